using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using MimeKit;
using PostPurchase.BuyerActions;
using PostPurchase.Http;
using PostPurchase.Infrastructure;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.Hosts;

namespace PostPurchase.Tests.Browser;

/// <summary>
/// A buyer in Chromium on a 375 px phone, against the real SelfHost (Kestrel, Durable engine and CRM on Azurite):
/// clicks a score in the review mail, changes their mind on the page, writes a comment, sees "already received" once
/// the journey acted, unsubscribes, and opens a broken link. Korean and English. Screenshots of every page at 375 px
/// and 1280 px: bin/…/artifacts/screenshots/page-{lang}-{step}-{width}.png.
/// </summary>
[Collection(ChromiumGroup.Name)]
public sealed partial class BuyerPagesBrowserTests(ChromiumFixture chromium, AzuriteFixture azurite)
{
    private const string SigningKey = "end-to-end-link-signing-key-0000000000000";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("ko")]
    [InlineData("en")]
    public async Task A_buyer_scores_changes_their_mind_comments_sees_already_received_and_unsubscribes_in_the_browser(string language)
    {
        bool ko = language == "ko";
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 10, extra: new Dictionary<string, string?>
        {
            ["Journey:ReviewAfterDays"] = "0",          // the review request right after the welcome
            ["Journey:ReplyGraceMinutes"] = "720",      // half a (10 s) day: 5 s to change the score and comment
            ["Journey:WallClockStart"] = "2025-03-14T13:00:00+09:00",   // early afternoon in Seoul: inside every send window
        });
        (byte[] body, string id) = WithNewPaymentIntent(Sample(ko ? "stripe-checkout.session.completed-krw.json" : "stripe-checkout.session.completed-usd.json"));
        await host.PostStripeAsync(body);
        MimeMessage review = await host.WaitForMailAsync(id, "review-request");
        List<string> scores = Links(review.HtmlBody, "/api/survey/");
        Assert.Equal(5, scores.Count);
        (int first, int second) = ko ? (2, 4) : (4, 1);
        string comment = ko ? "<b>좋아요</b> 다음 편도 기대할게요 <!channel>" : "Refund please <!channel> <b>now</b>";

        await using IBrowserContext context = await chromium.NewContextAsync(ChromiumFixture.Phone, language);
        IPage page = await context.NewPageAsync();

        // One click in the mail records the score and offers a comment box.
        IResponse? clicked = await page.GotoAsync(Local(host, scores[first - 1]));
        Assert.Equal(200, clicked!.Status);
        Assert.Equal(ko ? "소중한 의견 감사합니다" : "Thank you for your feedback", await page.InnerTextAsync("h1"));
        Assert.Equal(first.ToString(System.Globalization.CultureInfo.InvariantCulture), await page.InnerTextAsync("a[aria-current] strong"));
        await ShootAsync(page, $"page-{language}-score");

        // A second click (on the page) changes the score while the journey waits.
        await page.ClickAsync($"ul.scores li:nth-child({second}) a");
        Assert.Equal(second.ToString(System.Globalization.CultureInfo.InvariantCulture), await page.InnerTextAsync("a[aria-current] strong"));

        // The comment box is labelled and works without script: a plain form POST.
        await page.GetByLabel(ko ? "더 하고 싶은 말씀이 있나요? (선택)" : "Anything you would like to add? (optional)").FillAsync(comment);
        await ShootAsync(page, $"page-{language}-comment");
        await page.ClickAsync("button[type=submit]");
        Assert.Equal(ko ? "의견을 잘 받았습니다" : "We got your comment", await page.InnerTextAsync("h1"));
        await ShootAsync(page, $"page-{language}-comment-sent");

        // Once the journey acted on the answer, another click changes nothing.
        OrderView done = await host.WaitForCompletionAsync(id);
        Assert.Equal(second, done.Crm!.SurveyScore);
        Assert.Equal(comment, done.Crm.SurveyComment);
        Assert.Equal(ko ? "offer-sent" : "escalated", done.Stage);
        await page.GotoAsync(Local(host, scores[0]));
        Assert.Equal(ko ? "이미 응답을 받았습니다" : "We already have your answer", await page.InnerTextAsync("h1"));
        await ShootAsync(page, $"page-{language}-already-received");
        Assert.Equal(second, (await host.GetOrderAsync(id))!.Crm!.SurveyScore);

        if (!ko)
        {
            // The unhappy buyer's words reach the seller inert: no @channel ping, no markup.
            string alert = Assert.Single(host.SlackLines(), l => l.Contains("alert-unhappy", StringComparison.Ordinal));
            Assert.Contains("&lt;!channel&gt;", alert, StringComparison.Ordinal);
            Assert.Contains("&lt;b&gt;now&lt;/b&gt;", alert, StringComparison.Ordinal);
        }

        // Unsubscribe: from the offer mail (Korean buyer) or a signed link (the English buyer got no offer).
        string unsubscribe = ko
            ? Assert.Single(Links(Assert.Single(host.Mails(id, "next-product-offer")).HtmlBody, "/api/unsubscribe/"))
            : Signer().Url(new LinkClaim(LinkPurpose.Unsubscribe, id, 0));
        IResponse? unsubscribed = await page.GotoAsync(Local(host, unsubscribe));
        Assert.Equal(200, unsubscribed!.Status);
        Assert.Equal(ko ? "수신 거부가 완료되었습니다" : "You are unsubscribed", await page.InnerTextAsync("h1"));
        Assert.Contains("unsubscribed", (await host.GetOrderAsync(id))!.Crm!.Tags);
        await ShootAsync(page, $"page-{language}-unsubscribed");

        // A broken or guessed link: a friendly page in the browser's language, 404, not a 500.
        IResponse? broken = await page.GotoAsync(host.Http.BaseAddress + "api/go/not-a-real-token");
        Assert.Equal(404, broken!.Status);
        Assert.Equal(ko ? "링크를 찾을 수 없습니다" : "This link does not work", await page.InnerTextAsync("h1"));
        await ShootAsync(page, $"page-{language}-not-found");
    }

    /// <summary>Screenshots at 375 px (asserting nothing scrolls sideways) and at 1280 px, then back to the phone.</summary>
    private static async Task ShootAsync(IPage page, string name)
    {
        await page.SetViewportSizeAsync(ChromiumFixture.Phone.Width, ChromiumFixture.Phone.Height);
        int scrollWidth = await page.EvaluateAsync<int>("document.scrollingElement.scrollWidth");
        Assert.True(scrollWidth <= 375, $"{name} is {scrollWidth}px wide on a 375px phone");
        await page.ScreenshotAsync(new() { Path = ChromiumFixture.ScreenshotPath(name + "-375"), FullPage = true });
        await page.SetViewportSizeAsync(ChromiumFixture.Desktop.Width, ChromiumFixture.Desktop.Height);
        await page.ScreenshotAsync(new() { Path = ChromiumFixture.ScreenshotPath(name + "-1280"), FullPage = true });
        await page.SetViewportSizeAsync(ChromiumFixture.Phone.Width, ChromiumFixture.Phone.Height);
    }

    /// <summary>Links in mails carry the public address; the browser opens the same path on the test host.</summary>
    private static string Local(SelfHostDriver host, string link) => new Uri(host.Http.BaseAddress!, new Uri(link).PathAndQuery).ToString();

    private static LinkSigner Signer() => new(Options.Create(new LinksOptions { SigningKey = SigningKey, BaseUrl = SelfHostDriver.PublicBaseUrl }));

    private static byte[] Sample(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "samples", name));

    private static (byte[] Body, string InstanceId) WithNewPaymentIntent(byte[] sample)
    {
        string newPi = $"pi_page{Guid.NewGuid():N}";
        return (Encoding.UTF8.GetBytes(PaymentIntent().Replace(Encoding.UTF8.GetString(sample), newPi)), "stripe-" + newPi);
    }

    private static List<string> Links(string? html, string path) =>
        [.. Href().Matches(html ?? "").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).Where(u => u.Contains(path, StringComparison.Ordinal)).Distinct()];

    [GeneratedRegex(@"\bpi_[A-Za-z0-9]+")]
    private static partial Regex PaymentIntent();

    [GeneratedRegex("href=\"([^\"]+)\"")]
    private static partial Regex Href();
}
