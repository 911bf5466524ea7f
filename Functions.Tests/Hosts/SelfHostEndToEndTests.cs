using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MimeKit;
using PostPurchase.Http;
using Microsoft.AspNetCore.Http;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.TestDoubles;

namespace PostPurchase.Tests.Hosts;

/// <summary>
/// The product end to end: the real SelfHost over Kestrel, the Durable engine on Azurite, CRM on Azurite,
/// mail to the .eml outbox, Slack to its file sink; a day lasts half a second.
/// </summary>
public sealed partial class SelfHostEndToEndTests(AzuriteFixture azurite)
{
    private const string KrwSample = "stripe-checkout.session.completed-krw.json";
    private const string UsdSample = "stripe-checkout.session.completed-usd.json";
    private const string KrwPaymentIntent = "pi_3R2kAaExampleKRW0001";

    [Fact]
    public async Task The_signed_sample_checkout_gets_a_korean_welcome_mail_with_the_amount_working_links_and_the_pdf()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite);

        using HttpResponseMessage response = await host.PostStripeAsync(Sample(KrwSample));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        const string id = "stripe-" + KrwPaymentIntent;
        MimeMessage welcome = await host.WaitForMailAsync(id, "welcome");
        Assert.Equal("minji.kim@example.com", welcome.To.Mailboxes.Single().Address);
        Assert.Contains("노션 업무 자동화 템플릿 패키지", welcome.Subject, StringComparison.Ordinal);
        Assert.Contains("39,000원", welcome.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("39,000원", welcome.TextBody, StringComparison.Ordinal);
        MimePart pdf = Assert.Single(welcome.Attachments.OfType<MimePart>());
        Assert.Equal("application/pdf", pdf.ContentType.MimeType);
        using MemoryStream pdfBytes = new();
        await pdf.Content!.DecodeToAsync(pdfBytes, TestContext.Current.CancellationToken);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(AzuriteFixture.FindRepoRoot(), "catalog", "notion-automation-guide.pdf"), TestContext.Current.CancellationToken), pdfBytes.ToArray());

        // Every web link is tracked through /api/go/: the two access links first, then the FAQ and the refund policy.
        List<string> accessLinks = Links(welcome.HtmlBody, "/api/go/");
        Assert.Equal(4, accessLinks.Count);
        Assert.All(accessLinks, l => Assert.StartsWith(SelfHostDriver.PublicBaseUrl + "/api/go/", l, StringComparison.Ordinal));
        using HttpResponseMessage opened = await host.FollowAsync(accessLinks[0]);
        Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        Assert.Equal("https://shop.example.com/access/notion-automation-pack-v2/template", opened.Headers.Location?.ToString());

        OrderView order = await host.WaitForOrderAsync(id, v => v.Crm?.ContentOpenedAt is not null);
        Assert.Equal("김민지", order.Crm!.BuyerName);
        Assert.Equal(39000, order.Crm.AmountMinor);
        Assert.Equal("KRW", order.Crm.Currency);
        Assert.Equal("pending", order.Crm.ReportStatus);
        Assert.Contains("product:notion-automation-pack-v2", order.Crm.Tags);
        Assert.Contains(order.Timeline, s => s.Step == "welcome" && s.Outcome == "sent");
    }

    [Fact]
    public async Task A_low_score_click_in_the_review_mail_raises_a_slack_alert_and_tags_the_buyer()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite);
        const string id = "stripe-pi_3R2nBbExampleUSD0001";

        using HttpResponseMessage response = await host.PostStripeAsync(Sample(UsdSample));
        MimeMessage review = await host.WaitForMailAsync(id, "review-request");
        Assert.Contains("$29.00", (await host.WaitForMailAsync(id, "welcome")).HtmlBody, StringComparison.Ordinal);
        List<string> scores = Links(review.HtmlBody, "/api/survey/");
        Assert.Equal(5, scores.Count);

        using HttpResponseMessage thanks = await host.FollowAsync(scores[0]);
        Assert.Equal(HttpStatusCode.OK, thanks.StatusCode);
        Assert.Contains("Thank you", await thanks.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);

        OrderView done = await host.WaitForCompletionAsync(id);
        Assert.Equal("escalated", done.Stage);
        Assert.Equal(1, done.Crm!.SurveyScore);
        Assert.Contains("needs-attention", done.Crm.Tags);
        string alert = Assert.Single(host.SlackLines());
        Assert.Contains("unhappy", alert, StringComparison.Ordinal);
        Assert.Contains(id, alert, StringComparison.Ordinal);
        Assert.Empty(host.Mails(id, "next-product-offer"));
    }

    [Fact]
    public async Task A_high_score_gets_the_offer_with_an_unsubscribe_link_and_no_reminder_once_the_content_was_opened()
    {
        // A far closing day: the click after day 7 must not race the no-reply close when the whole suite loads the machine.
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 1,
            extra: new Dictionary<string, string?> { ["Journey:CloseAfterDays"] = "60" });
        (byte[] body, string id) = WithNewPaymentIntent(Sample(KrwSample));

        await host.PostStripeAsync(body);
        await host.FollowAsync(Links((await host.WaitForMailAsync(id, "welcome")).HtmlBody, "/api/go/")[1]);
        MimeMessage review = await host.WaitForMailAsync(id, "review-request");
        await host.WaitForOrderAsync(id, v => v.Stage == "awaiting-reply");   // past day 7, without a reminder
        await host.FollowAsync(Links(review.HtmlBody, "/api/survey/")[4]);

        OrderView done = await host.WaitForCompletionAsync(id);
        Assert.Equal("offer-sent", done.Stage);
        Assert.Empty(host.Mails(id, "reminder"));
        MimeMessage offer = Assert.Single(host.Mails(id, "next-product-offer"));
        Assert.StartsWith("(광고)", offer.Subject, StringComparison.Ordinal);
        string unsubscribe = Assert.Single(Links(offer.HtmlBody, "/api/unsubscribe/"));
        using HttpResponseMessage page = await host.FollowAsync(unsubscribe);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("unsubscribed", (await host.GetOrderAsync(id))!.Crm!.Tags);
    }

    [Fact]
    public async Task Silence_and_unopened_content_get_the_day_7_reminder_and_the_journey_closes_as_no_reply()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 0.3);
        (byte[] body, string id) = WithNewPaymentIntent(Sample(UsdSample));

        using HttpResponseMessage accepted = await host.PostStripeAsync(body);
        Assert.Equal("accepted", (await accepted.Content.ReadFromJsonAsync<DoorAnswer>(TestContext.Current.CancellationToken))!.Status);
        OrderView done = await host.WaitForCompletionAsync(id);

        Assert.Equal("closed-no-reply", done.Stage);
        Assert.Equal("no-reply", done.Crm!.Status);
        MimeMessage reminder = Assert.Single(host.Mails(id, "reminder"));
        Assert.Equal(3, Links(reminder.HtmlBody, "/api/go/").Count);   // two access links and the FAQ
        Assert.Equal(["RecordPurchase", "marketing-consent", "welcome", "review-request", "reminder", "CloseJourney"], done.Timeline.Select(s => s.Step));
    }

    [Fact]
    public async Task The_same_event_delivered_five_times_at_once_makes_one_journey_and_one_welcome_mail()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 60);
        (byte[] body, string id) = WithNewPaymentIntent(Sample(KrwSample));

        HttpResponseMessage[] answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => host.PostStripeAsync(body)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        string[] statuses = await Task.WhenAll(answers.Select(async a => (await a.Content.ReadFromJsonAsync<DoorAnswer>(TestContext.Current.CancellationToken))!.Status));
        Assert.Equal(1, statuses.Count(s => s == "accepted"));
        Assert.Equal(4, statuses.Count(s => s == "already received"));
        await host.WaitForMailAsync(id, "welcome");
        await Task.Delay(1000, TestContext.Current.CancellationToken);   // give a second journey, if any, time to mail
        Assert.Single(host.Mails(id, "welcome"));
        Assert.Single(Directory.GetFiles(host.OutboxPath, "*.eml"));
    }

    [Fact]
    public async Task The_payment_intent_event_and_the_checkout_event_of_one_payment_make_one_journey()
    {
        // Stripe sends payment_intent.succeeded first; with an API key the app reads its Checkout Session for the buyer.
        byte[] checkout = Sample(KrwSample);
        using JsonDocument session = JsonDocument.Parse(checkout);
        string sessionJson = session.RootElement.GetProperty("data").GetProperty("object").GetRawText();
        await using LocalHttpServer stripeApi = await LocalHttpServer.StartAsync(async (request, context) =>
        {
            bool authorized = request.Headers.TryGetValue("Authorization", out string? auth) && auth == "Bearer sk_test_e2e";
            bool sessionsForIntent = request.Method == "GET" && request.PathAndQuery.StartsWith("/v1/checkout/sessions?", StringComparison.Ordinal)
                && request.PathAndQuery.Contains("payment_intent=" + KrwPaymentIntent, StringComparison.Ordinal);
            context.Response.StatusCode = !authorized ? 401 : sessionsForIntent ? 200 : 404;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(sessionsForIntent && authorized
                ? $$"""{"object":"list","data":[{{sessionJson}}],"has_more":false,"url":"/v1/checkout/sessions"}"""
                : """{"error":{"type":"invalid_request_error","message":"No such resource"}}""", context.RequestAborted);
        });
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 60, extra: new Dictionary<string, string?>
        {
            ["Stripe:ApiKey"] = "sk_test_e2e",
            ["Stripe:ApiBase"] = stripeApi.BaseUrl,
        });
        const string id = "stripe-" + KrwPaymentIntent;

        using HttpResponseMessage first = await host.PostStripeAsync(Sample("stripe-payment_intent.succeeded-krw.json"));
        using HttpResponseMessage second = await host.PostStripeAsync(checkout);

        Assert.Equal("accepted", (await first.Content.ReadFromJsonAsync<DoorAnswer>(TestContext.Current.CancellationToken))!.Status);
        Assert.Equal("already received", (await second.Content.ReadFromJsonAsync<DoorAnswer>(TestContext.Current.CancellationToken))!.Status);
        MimeMessage welcome = await host.WaitForMailAsync(id, "welcome");
        Assert.Equal("minji.kim@example.com", welcome.To.Mailboxes.Single().Address);
        Assert.Single(Directory.GetFiles(host.OutboxPath, "*.eml"));
    }

    [Fact]
    public async Task A_refund_mid_journey_stops_the_mail_and_marks_the_order_refunded()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 30);
        const string id = "stripe-" + KrwPaymentIntent;

        await host.PostStripeAsync(Sample(KrwSample));
        await host.WaitForMailAsync(id, "welcome");
        using HttpResponseMessage refund = await host.PostStripeAsync(Sample("stripe-charge.refunded-krw.json"));

        Assert.Equal(HttpStatusCode.OK, refund.StatusCode);
        OrderView done = await host.WaitForCompletionAsync(id);
        Assert.Equal("refunded", done.Stage);
        Assert.Equal("refunded", done.Crm!.Status);
        Assert.Empty(host.Mails(id, "review-request"));

        // The content goes with the refund: the access link answers a page that says so, and no open is recorded.
        MimeMessage welcome = Assert.Single(host.Mails(id, "welcome"));
        using HttpResponseMessage access = await host.FollowAsync(Links(welcome.HtmlBody, "/api/go/")[0]);
        Assert.Equal(HttpStatusCode.Gone, access.StatusCode);
        Assert.Contains("환불", await access.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Null((await host.GetOrderAsync(id))!.Crm!.ContentOpenedAt);
    }

    [Fact]
    public async Task A_buyer_name_of_200000_characters_is_cut_so_the_order_is_recorded_and_welcomed()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 30);
        (byte[] body, string id) = WithNewPaymentIntent(Sample(KrwSample));
        body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("\"name\": \"김민지\"", $"\"name\": \"{new string('김', 200_000)}\"", StringComparison.Ordinal));

        using HttpResponseMessage answer = await host.PostStripeAsync(body);
        MimeMessage welcome = await host.WaitForMailAsync(id, "welcome");
        OrderView order = await host.WaitForOrderAsync(id, v => v.Crm is not null);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("active", order.Crm!.Status);
        Assert.InRange(order.Crm.BuyerName!.Length, 100, 201);
        Assert.True((welcome.HtmlBody?.Length ?? 0) < 100_000, "the welcome mail carries the whole 200,000-character name");
    }

    [Fact]
    public async Task A_refund_that_arrives_before_its_purchase_shows_the_sale_as_refunded_and_sends_nothing()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 30);
        const string id = "stripe-" + KrwPaymentIntent;

        using HttpResponseMessage refund = await host.PostStripeAsync(Sample("stripe-charge.refunded-krw.json"));
        using HttpResponseMessage purchase = await host.PostStripeAsync(Sample(KrwSample));

        Assert.Equal(HttpStatusCode.OK, refund.StatusCode);
        Assert.Contains("already received", await purchase.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
        OrderView order = (await host.GetOrderAsync(id))!;
        Assert.Equal("refunded", order.Crm!.Status);
        Assert.Equal(("minji.kim@example.com", 39000L, "KRW"), (order.Crm.BuyerEmail, order.Crm.AmountMinor, order.Crm.Currency));
        Assert.Equal("notion-automation-pack-v2", order.Crm.Sku);
        Assert.Null(order.RuntimeStatus);
        await Task.Delay(2000, TestContext.Current.CancellationToken);
        Assert.Empty(host.Mails(id, "welcome"));
    }

    [Fact]
    public async Task An_unknown_product_sends_no_welcome_mail_marks_needs_review_and_alerts_the_seller()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite);
        (byte[] body, string id) = WithNewPaymentIntent(Sample(UsdSample));
        body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body)
            .Replace("notion-automation-pack-v2", "mystery-box", StringComparison.Ordinal)
            .Replace("Notion Automation Template Pack", "Mystery Box", StringComparison.Ordinal));

        await host.PostStripeAsync(body);
        OrderView done = await host.WaitForCompletionAsync(id);

        Assert.Equal("needs-review", done.Crm!.Status);
        Assert.Empty(host.Mails(id, "welcome"));
        Assert.Contains("not in the catalog", Assert.Single(host.SlackLines()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"amount_total\": -2900", "-2900 USD")]
    [InlineData("\"currency\": \"us$\"", "2900 US$")]
    public async Task A_signed_payment_with_an_impossible_amount_sends_no_welcome_mail_and_asks_the_seller(string change, string shown)
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite);
        (byte[] body, string id) = WithNewPaymentIntent(Sample(UsdSample));
        string json = Encoding.UTF8.GetString(body);
        string field = change[..(change.IndexOf(':', StringComparison.Ordinal) + 1)];
        body = Encoding.UTF8.GetBytes(Regex.Replace(json, Regex.Escape(field) + @"\s*(""usd""|2900)", change));

        using HttpResponseMessage answer = await host.PostStripeAsync(body);
        OrderView done = await host.WaitForCompletionAsync(id);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("needs-review", done.Crm!.Status);
        Assert.Empty(host.Mails(id, "welcome"));
        string alert = Assert.Single(host.SlackLines());
        Assert.Contains("amount or currency is not a real one", alert, StringComparison.Ordinal);
        Assert.Contains(shown, alert, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrong secret")]
    [InlineData("stale timestamp")]
    [InlineData("one byte changed")]
    [InlineData("no signature")]
    [InlineData("malformed json")]
    [InlineData("over 1 MiB")]
    public async Task A_bad_delivery_gets_400_with_a_reason_and_leaves_nothing_behind(string badness)
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, backend: "Memory");
        byte[] sample = Sample(KrwSample);
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        using HttpResponseMessage response = badness switch
        {
            "wrong secret" => await host.PostStripeAsync(sample, secret: "whsec_someone_else"),
            "stale timestamp" => await host.PostStripeAsync(sample, timestamp: now - 301),
            "one byte changed" => await host.PostStripeAsync([.. sample[..^2], (byte)' ', sample[^1]], SelfHostDriver.SignStripe(sample, SelfHostDriver.StripeSecret, now)),
            "no signature" => await host.PostStripeAsync(sample, signatureHeader: null),
            "malformed json" => await host.PostStripeAsync(Encoding.UTF8.GetBytes("{\"id\": \"evt_1\", \"type\": ")),
            _ => await host.PostStripeAsync([.. sample, .. Enumerable.Repeat((byte)' ', 1024 * 1024)]),
        };

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        DoorAnswer? answer = await response.Content.ReadFromJsonAsync<DoorAnswer>(TestContext.Current.CancellationToken);
        Assert.Equal("rejected", answer!.Status);
        Assert.False(string.IsNullOrWhiteSpace(answer.Reason));
        Assert.Null(await host.GetOrderAsync("stripe-" + KrwPaymentIntent));
        Assert.False(Directory.Exists(host.OutboxPath) && Directory.EnumerateFiles(host.OutboxPath).Any());
    }

    [Fact]
    public async Task Altered_or_guessed_survey_and_access_tokens_get_a_404_page_not_someone_elses_order()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 0.3);
        (byte[] body, string id) = WithNewPaymentIntent(Sample(KrwSample));
        await host.PostStripeAsync(body);
        string survey = Links((await host.WaitForMailAsync(id, "review-request")).HtmlBody, "/api/survey/")[4];
        string token = survey[(survey.LastIndexOf('/') + 1)..];

        string[] bad =
        [
            "/api/survey/" + token[..^2] + (token[^2] == 'A' ? "B" : "A") + token[^1],
            "/api/survey/" + token.Replace('.', '!'),
            "/api/survey/guess",
            "/api/go/" + token,   // a survey token is not an access token
        ];
        foreach (string path in bad)
        {
            using HttpResponseMessage response = await host.Http.GetAsync(path, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Contains("text/html", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        }

        Assert.Null((await host.GetOrderAsync(id))!.Crm!.SurveyScore);
    }

    [Fact]
    public async Task The_order_view_and_instance_status_need_the_admin_key()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, backend: "Memory", dayLengthSeconds: 60);
        await host.PostStripeAsync(Sample(KrwSample));
        using HttpClient anonymous = new() { BaseAddress = host.Http.BaseAddress };

        using HttpResponseMessage order = await anonymous.GetAsync("/api/orders/stripe-" + KrwPaymentIntent, TestContext.Current.CancellationToken);
        using HttpResponseMessage status = await anonymous.GetAsync("/runtime/webhooks/durabletask/instances/stripe-" + KrwPaymentIntent, TestContext.Current.CancellationToken);
        using HttpResponseMessage withKey = await host.Http.GetAsync("/runtime/webhooks/durabletask/instances/stripe-" + KrwPaymentIntent, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, order.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, status.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        using JsonDocument instance = JsonDocument.Parse(await withKey.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Contains(instance.RootElement.GetProperty("runtimeStatus").GetString(), new[] { "Pending", "Running" });   // just started
    }

    private static byte[] Sample(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "samples", name));

    /// <summary>The sample with a fresh payment id, so tests that need their own journey do not share one.</summary>
    private static (byte[] Body, string InstanceId) WithNewPaymentIntent(byte[] sample)
    {
        string text = Encoding.UTF8.GetString(sample);
        string oldPi = PaymentIntent().Match(text).Value;
        string newPi = $"pi_e2e{Guid.NewGuid():N}";
        return (Encoding.UTF8.GetBytes(text.Replace(oldPi, newPi, StringComparison.Ordinal)), "stripe-" + newPi);
    }

    private static List<string> Links(string? html, string path) =>
        [.. Href().Matches(html ?? "").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).Where(u => u.Contains(path, StringComparison.Ordinal)).Distinct()];

    [GeneratedRegex(@"\bpi_[A-Za-z0-9]+")]
    private static partial Regex PaymentIntent();

    [GeneratedRegex("href=\"([^\"]+)\"")]
    private static partial Regex Href();
}
