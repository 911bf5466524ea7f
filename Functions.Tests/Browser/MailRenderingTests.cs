using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;
using MimeKit;
using PostPurchase.Activities;
using PostPurchase.BuyerActions;
using PostPurchase.Infrastructure;
using PostPurchase.Mail;
using PostPurchase.Purchases;
using PostPurchase.Tests.Fixtures;

namespace PostPurchase.Tests.Browser;

/// <summary>
/// Every mail kind in Korean and English, composed from the shipped catalog with production's links, written by the
/// real OutboxMailSender, read back from its .eml and rendered in Chromium at 375 px and 1280 px. Screenshots land in
/// bin/…/artifacts/screenshots/mail-{kind}-{lang}-{width}.png.
/// </summary>
[Collection(ChromiumGroup.Name)]
public sealed partial class MailRenderingTests(ChromiumFixture chromium) : IDisposable
{
    private const string PublicBase = "https://buyers.shop.example.com";
    private readonly string outbox = Directory.CreateTempSubdirectory("mail-rendering-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<MailKind, string> Mails => new()
    {
        { MailKind.Welcome, "ko" }, { MailKind.Welcome, "en" },
        { MailKind.ReviewRequest, "ko" }, { MailKind.ReviewRequest, "en" },
        { MailKind.Reminder, "ko" }, { MailKind.Reminder, "en" },
        { MailKind.NextProductOffer, "ko" }, { MailKind.NextProductOffer, "en" },
        { MailKind.SellerAlert, "ko" }, { MailKind.SellerAlert, "en" },
    };

    [Theory]
    [MemberData(nameof(Mails))]
    public async Task The_mail_fits_a_phone_its_text_part_says_what_the_html_says_and_every_link_is_absolute_and_tracked(MailKind kind, string language)
    {
        (MimeMessage eml, string[] facts) = await this.WriteAndReadBackAsync(kind, language);
        string html = eml.HtmlBody ?? throw new InvalidOperationException("no HTML part");
        string text = eml.TextBody ?? throw new InvalidOperationException("no text part");
        string name = $"mail-{Slug(kind)}-{language}";

        await using IBrowserContext context = await chromium.NewContextAsync(ChromiumFixture.Phone, language);
        IPage page = await context.NewPageAsync();
        await page.SetContentAsync(html);
        await page.ScreenshotAsync(new() { Path = ChromiumFixture.ScreenshotPath(name + "-375"), FullPage = true });
        int scrollWidth = await page.EvaluateAsync<int>("document.scrollingElement.scrollWidth");
        string rendered = await page.InnerTextAsync("body");
        string[] hrefs = await page.EvalOnSelectorAllAsync<string[]>("a[href]", "links => links.map(a => a.getAttribute('href'))");
        await page.SetViewportSizeAsync(ChromiumFixture.Desktop.Width, ChromiumFixture.Desktop.Height);
        await page.ScreenshotAsync(new() { Path = ChromiumFixture.ScreenshotPath(name + "-1280"), FullPage = true });

        Assert.True(scrollWidth <= 375, $"{name} is {scrollWidth}px wide at a 375px viewport: it scrolls sideways on a phone");
        Assert.Equal(language, Regex.Match(html, "<html lang=\"(\\w+)\"").Groups[1].Value);
        foreach (string fact in facts)
        {
            Assert.Contains(fact, rendered, StringComparison.Ordinal);
            Assert.Contains(fact, text, StringComparison.Ordinal);
        }

        foreach (string href in hrefs.Where(h => !h.StartsWith("mailto:", StringComparison.Ordinal)))
        {
            Assert.Matches(Tracked(), href);
            Assert.Contains(href, text, StringComparison.Ordinal);   // every web link of the HTML is in the text part too
        }

        Assert.All(WebUrl().Matches(text).Select(m => m.Value), url => Assert.Matches(Tracked(), url));
    }

    public void Dispose() => Directory.Delete(this.outbox, recursive: true);

    /// <summary>Composes like JourneyMailer (same links), writes with the outbox sender, reads the .eml back; returns the facts both parts must state.</summary>
    private async Task<(MimeMessage Mail, string[] Facts)> WriteAndReadBackAsync(MailKind kind, string language)
    {
        Catalog catalog = CatalogLoader.Load(Path.Combine(AzuriteFixture.FindRepoRoot(), "catalog", "catalog.json"));
        MailComposer composer = new(new CatalogProductFiles(catalog), strictVariables: true);
        LinkSigner signer = new(Options.Create(new LinksOptions { SigningKey = new string('k', 40), BaseUrl = PublicBase }));
        bool ko = language == "ko";
        Purchase purchase = ko
            ? new("stripe", "pi_render_ko", "ord_20250314_0001", new Buyer("minji.kim@example.com", "김민지", "ko", "Asia/Seoul"),
                "notion-automation-pack-v2", "노션 업무 자동화 템플릿 패키지", Money.Of(39000, "KRW"), new DateTimeOffset(2025, 3, 14, 12, 7, 41, TimeSpan.Zero), "stripe")
            : new("stripe", "pi_render_en", "ord_20250314_0002", new Buyer("alex.rivera@example.net", "Alex Rivera", "en", "UTC"),
                "notion-automation-pack-v2", "Notion Automation Template Pack", Money.Of(2900, "USD"), new DateTimeOffset(2025, 3, 14, 15, 30, 5, TimeSpan.Zero), "stripe");
        string id = $"stripe-{purchase.PaymentId}";
        Product product = catalog.Find(purchase.Sku, purchase.ProductName)!;
        ProductCopy copy = product.CopyFor(language);

        OutgoingMail mail;
        string[] facts;
        if (kind == MailKind.SellerAlert)
        {
            Seller seller = catalog.Seller with { Locale = language };
            mail = composer.ComposeSellerAlert(new SellerAlertMail($"{id}:alert-unhappy", seller, "A buyer is unhappy: please reach out by hand.",
                [new("Order", id), new("Buyer", $"{purchase.Buyer.Name} <{purchase.Buyer.Email}>"), new("Score", "1 / 5")],
                "환불해 주세요 <b>지금</b>", "Slack webhook refused the alert: 410 channel_is_archived"));
            facts = ["A buyer is unhappy", id, "1 / 5", "환불해 주세요 <b>지금</b>", "410 channel_is_archived", "Slack__WebhookUrl"];
        }
        else
        {
            JourneyLinks links = JourneyMailer.LinksFor(signer, id, product, language, kind, new DateTimeOffset(2025, 4, 13, 0, 0, 0, TimeSpan.Zero));
            mail = composer.Compose(new JourneyMail(kind, $"{id}:{Slug(kind)}", purchase, product, catalog.Seller, links));
            facts = kind switch
            {
                MailKind.Welcome => [copy.Name, purchase.Amount.Format(language), purchase.OrderReference!, .. links.AccessLinks.Select(l => l.Label), catalog.Seller.ContactEmail],
                MailKind.ReviewRequest => [copy.Name, .. Enumerable.Range(1, 5).Select(s => BuyerPages.ScoreLabel(s, ko))],
                MailKind.Reminder => [copy.Name, .. links.AccessLinks.Select(l => l.Label), catalog.Seller.ContactEmail],
                _ => [product.OfferFor(language)!.Name, catalog.Seller.Name, catalog.Seller.ContactEmail, ko ? "(광고)" : catalog.Seller.Address!, ko ? "수신거부" : "Unsubscribe"],
            };
            if (kind == MailKind.NextProductOffer)
            {
                Assert.Equal(ko, mail.Subject.StartsWith("(광고)", StringComparison.Ordinal));
                Assert.Equal($"<{links.UnsubscribeUrl}>", mail.Headers["List-Unsubscribe"]);
            }
        }

        using OutboxMailSender sender = new(Options.Create(new SendGridOptions { FromEmail = "hello@shop.example.com", FromName = catalog.Seller.Name, OutboxPath = this.outbox }),
            TimeProvider.System, NullLogger<OutboxMailSender>.Instance);
        await sender.SendAsync(mail, Ct);
        string file = Assert.Single(Directory.GetFiles(this.outbox, $"*-{OutboxMailSender.KindName(kind)}-*.eml"));
        return (await MimeMessage.LoadAsync(file, Ct), facts);
    }

    private static string Slug(MailKind kind) => OutboxMailSender.KindName(kind);

    // Our own doors only: access and seller pages through /api/go/, scores, opt-out and downloads.
    [GeneratedRegex(@"^https://buyers\.shop\.example\.com/api/(go|survey|unsubscribe|files)/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$")]
    private static partial Regex Tracked();

    [GeneratedRegex(@"https?://[^\s<>""')]+")]
    private static partial Regex WebUrl();
}
