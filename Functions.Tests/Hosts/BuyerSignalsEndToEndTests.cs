using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using MimeKit;
using PostPurchase.BuyerActions;
using PostPurchase.Crm;
using PostPurchase.Http;
using PostPurchase.Infrastructure;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.TestDoubles;

namespace PostPurchase.Tests.Hosts;

/// <summary>
/// Engagement signals, consent and the seller's fallback channel, end to end through SelfHost (Kestrel, the Durable
/// engine and the CRM on Azurite, mail to the .eml outbox). SendGrid's event webhook is signed here exactly as
/// SendGrid signs it: ECDSA P-256 over timestamp + body, DER, base64, with the key pair made in the test.
/// </summary>
public sealed partial class BuyerSignalsEndToEndTests(AzuriteFixture azurite) : IDisposable
{
    private const string KrwSample = "stripe-checkout.session.completed-krw.json";
    private const string UsdSample = "stripe-checkout.session.completed-usd.json";
    private const string SigningKey = "end-to-end-link-signing-key-0000000000000";

    private readonly ECDsa sendGridKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string prefix = $"sig{Guid.NewGuid():N}"[..16];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Signed_sendgrid_events_are_recorded_per_order_and_mail_and_forged_ones_get_401_and_change_nothing()
    {
        await using SelfHostDriver host = await this.StartAsync();
        (byte[] body, string id) = WithNewPaymentIntent(Sample(KrwSample));
        await host.PostStripeAsync(body);
        await host.WaitForMailAsync(id, "welcome");
        string events = Events(("delivered", id, "welcome", null), ("open", id, "welcome", null));

        using HttpResponseMessage signed = await this.PostEventsAsync(host, events);
        using HttpResponseMessage otherKey = await PostEventsAsync(host, Events(("bounce", id, "welcome", "550 no such user")), ECDsa.Create(ECCurve.NamedCurves.nistP256));
        string tampered = Events(("spamreport", id, "welcome", null));
        using HttpResponseMessage altered = await this.PostEventsAsync(host, tampered, body: tampered.Replace("spamreport", "spamrepor1", StringComparison.Ordinal));
        using HttpResponseMessage unsigned = await host.Http.PostAsync("/api/webhooks/sendgrid-events", new StringContent(events), Ct);

        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, altered.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal("bad signature", (await otherKey.Content.ReadFromJsonAsync<DoorAnswer>(Ct))!.Reason);
        MailEngagement welcome = Assert.Single(await this.Crm().GetMailEngagementAsync(id, Ct));
        Assert.Equal("welcome", welcome.Step);
        Assert.Equal(["delivered", "open"], welcome.FirstSeen.Keys.Order());   // no bounce, no spam report from the forgeries
        Assert.Null(await this.Crm().GetMailStopAsync("minji.kim@example.com", Ct));
    }

    [Fact]
    public async Task A_bounced_buyer_gets_nothing_further_and_the_seller_is_told_the_address_is_wrong()
    {
        // Day 3 at three seconds: room for the bounce to arrive before the review request is due.
        await using SelfHostDriver host = await this.StartAsync(new() { ["Journey:ReviewAfterDays"] = "6", ["Journey:ReminderAfterDays"] = "8" });
        (byte[] body, string id) = WithNewPaymentIntent(Sample(UsdSample), "bounced.buyer@example.net");
        await host.PostStripeAsync(body);
        await host.WaitForMailAsync(id, "welcome");

        using HttpResponseMessage answer = await this.PostEventsAsync(host, Events(("bounce", id, "welcome", "550 5.1.1 user unknown")), email: "bounced.buyer@example.net");
        OrderView done = await host.WaitForCompletionAsync(id);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("closed-no-reply", done.Stage);
        Assert.Equal(["welcome"], Steps(host, id));                                  // no review request, no reminder
        Assert.Contains(done.Timeline, s => s.Step == "review-request" && s.Outcome == "skipped-mail-stopped");
        Assert.DoesNotContain(done.Timeline, s => s.Step == "reminder");               // the day-7 decision skipped it outright
        string alert = Assert.Single(host.SlackLines(), l => l.Contains("alert-mail-stopped", StringComparison.Ordinal));
        Assert.Contains("does not work", alert, StringComparison.Ordinal);
        Assert.Equal("bounce", await this.Crm().GetMailStopAsync("Bounced.Buyer@example.net", Ct));
    }

    [Fact]
    public async Task An_unsubscribed_buyer_still_gets_the_reminder_but_no_offer_after_rating_5()
    {
        await using SelfHostDriver host = await this.StartAsync();
        (byte[] body, string id) = WithNewPaymentIntent(Sample(KrwSample));
        await host.PostStripeAsync(body);
        await host.WaitForMailAsync(id, "welcome");

        // The mail client's one-click unsubscribe (RFC 8058): a POST with List-Unsubscribe=One-Click.
        using HttpResponseMessage oneClick = await host.Http.PostAsync(new Uri(Signer().Url(new LinkClaim(LinkPurpose.Unsubscribe, id, 0))).AbsolutePath,
            new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]), Ct);
        MimeMessage review = await host.WaitForMailAsync(id, "review-request");
        MimeMessage reminder = await host.WaitForMailAsync(id, "reminder");
        await host.FollowAsync(Links(review.HtmlBody, "/api/survey/")[4]);
        OrderView done = await host.WaitForCompletionAsync(id);

        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        Assert.Contains("unsubscribed", done.Crm!.Tags);
        Assert.NotNull(reminder);
        Assert.Empty(host.Mails(id, "next-product-offer"));
        Assert.Contains(done.Timeline, s => s.Step == "next-product-offer" && s.Outcome == "skipped-unsubscribed");
        Assert.Contains(done.Timeline, s => s.Step == "unsubscribed" && s.Outcome == "one-click");
    }

    [Fact]
    public async Task Without_marketing_consent_a_satisfied_buyer_gets_no_offer_and_with_the_checkout_box_ticked_they_do()
    {
        string catalog = ExplicitConsentCatalog();
        await using SelfHostDriver host = await this.StartAsync(new() { ["Catalog:Path"] = catalog });
        (byte[] noConsent, string plainId) = WithNewPaymentIntent(Sample(UsdSample));
        (byte[] consent, string consentId) = WithNewPaymentIntent(WithCheckoutConsent(Sample(UsdSample)));

        await host.PostStripeAsync(noConsent);
        await host.PostStripeAsync(consent);
        foreach (string id in new[] { plainId, consentId })
        {
            MimeMessage review = await host.WaitForMailAsync(id, "review-request");
            await host.FollowAsync(Links(review.HtmlBody, "/api/survey/")[4]);
        }

        OrderView plain = await host.WaitForCompletionAsync(plainId);
        OrderView opted = await host.WaitForCompletionAsync(consentId);

        Assert.Contains(plain.Timeline, s => s.Step == "next-product-offer" && s.Outcome == "skipped-no-consent");
        Assert.Empty(host.Mails(plainId, "next-product-offer"));
        Assert.Contains(opted.Timeline, s => s.Step == "marketing-consent" && s.Outcome == "stripe-checkout");
        Assert.Single(host.Mails(consentId, "next-product-offer"));
        Assert.Equal("stripe-checkout", (await this.Crm().GetMarketingConsentAsync(consentId, Ct))!.Source);
        Assert.Null(await this.Crm().GetMarketingConsentAsync(plainId, Ct));
    }

    [Fact]
    public async Task When_slack_answers_410_channel_is_archived_the_seller_gets_the_alert_by_mail_and_the_journey_ends()
    {
        await using LocalHttpServer slack = await LocalHttpServer.StartAsync(async (_, context) =>
        {
            context.Response.StatusCode = StatusCodes.Status410Gone;
            await context.Response.WriteAsync("channel_is_archived", Ct);
        });
        await using SelfHostDriver host = await this.StartAsync(new() { ["Slack:WebhookUrl"] = slack.BaseUrl + "/services/T000/B000/XXXX" });
        (byte[] body, string id) = WithNewPaymentIntent(Sample(UsdSample));
        await host.PostStripeAsync(body);
        MimeMessage review = await host.WaitForMailAsync(id, "review-request");

        await host.FollowAsync(Links(review.HtmlBody, "/api/survey/")[0]);
        OrderView done = await host.WaitForCompletionAsync(id);

        Assert.Equal("escalated", done.Stage);
        Assert.Single(slack.Requests);                                                     // 410 is not retried
        MimeMessage mail = Assert.Single(host.Mails(id, "alert-unhappy"));
        Assert.Equal("help@shop.example.com", mail.To.Mailboxes.Single().Address);         // Seller.ContactEmail from catalog.json
        Assert.Contains("410", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("channel_is_archived", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Slack", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("1 / 5", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains(done.Timeline, s => s.Step == "alert-unhappy" && s.Outcome == "emailed (Slack hook dead)");
    }

    [Fact]
    public async Task A_pdf_over_the_attachment_limit_goes_as_an_expiring_download_link_that_serves_the_file()
    {
        await using SelfHostDriver host = await this.StartAsync(new() { ["SendGrid:MaxAttachmentBytes"] = "100" });
        (byte[] body, string id) = WithNewPaymentIntent(Sample(KrwSample));
        await host.PostStripeAsync(body);
        MimeMessage welcome = await host.WaitForMailAsync(id, "welcome");

        string link = Assert.Single(Links(welcome.HtmlBody, "/api/files/"));
        using HttpResponseMessage file = await host.FollowAsync(link);
        using HttpResponseMessage expired = await host.FollowAsync(Signer().FileUrl(id, DateTimeOffset.UtcNow.AddMinutes(-2)));

        Assert.Empty(welcome.Attachments);
        Assert.Contains(link, welcome.TextBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Equal("application/pdf", file.Content.Headers.ContentType?.MediaType);
        Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(AzuriteFixture.FindRepoRoot(), "catalog", "notion-automation-guide.pdf"), Ct), await file.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
        Assert.Contains("만료", await expired.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    public void Dispose() => this.sendGridKey.Dispose();

    private Task<SelfHostDriver> StartAsync(Dictionary<string, string?>? extra = null)
    {
        Dictionary<string, string?> settings = new()
        {
            ["Crm:TablePrefix"] = this.prefix,
            ["SendGrid:EventWebhookPublicKey"] = Convert.ToBase64String(this.sendGridKey.ExportSubjectPublicKeyInfo()),
            ["Journey:ReplyGraceMinutes"] = "0",
        };
        foreach ((string key, string? value) in extra ?? [])
        {
            settings[key] = value;
        }

        return SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 0.5, extra: settings);
    }

    private CustomerRepository Crm() => new(azurite.CreateTableServiceClient(), TimeProvider.System, this.prefix);

    private Task<HttpResponseMessage> PostEventsAsync(SelfHostDriver host, string events, string? body = null, string? email = null) =>
        PostEventsAsync(host, events, this.sendGridKey, body, email);

    /// <summary>Signs <paramref name="events"/> with <paramref name="key"/> and posts <paramref name="body"/> (the same bytes unless a test alters them).</summary>
    private static async Task<HttpResponseMessage> PostEventsAsync(SelfHostDriver host, string events, ECDsa key, string? body = null, string? email = null)
    {
        if (email is not null)
        {
            events = events.Replace("minji.kim@example.com", email, StringComparison.Ordinal);
            body = body?.Replace("minji.kim@example.com", email, StringComparison.Ordinal);
        }

        string timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        byte[] signature = key.SignData(Encoding.UTF8.GetBytes(timestamp + events), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        using StringContent content = new(body ?? events, Encoding.UTF8, "application/json");
        using HttpRequestMessage request = new(HttpMethod.Post, "/api/webhooks/sendgrid-events") { Content = content };
        request.Headers.Add("X-Twilio-Email-Event-Webhook-Signature", Convert.ToBase64String(signature));
        request.Headers.Add("X-Twilio-Email-Event-Webhook-Timestamp", timestamp);
        return await host.Http.SendAsync(request, Ct);
    }

    /// <summary>A SendGrid batch: our custom args (idempotencyKey, kind) come back at the top level of each event.</summary>
    private static string Events(params (string Event, string Id, string Step, string? Reason)[] events)
    {
        JsonArray batch = [];
        foreach ((string name, string id, string step, string? reason) in events)
        {
            JsonObject e = new()
            {
                ["email"] = "minji.kim@example.com",
                ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
                ["event"] = name,
                ["sg_event_id"] = Guid.NewGuid().ToString("N"),
                ["sg_message_id"] = "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0",
                ["idempotencyKey"] = $"{id}:{step}",
                ["kind"] = step == "welcome" ? "Welcome" : "ReviewRequest",
            };
            if (reason is not null)
            {
                e["reason"] = reason;
                e["type"] = "bounce";
            }

            batch.Add(e);
        }

        return batch.ToJsonString();
    }

    private static IReadOnlyList<string> Steps(SelfHostDriver host, string id) =>
        [.. Directory.GetFiles(host.OutboxPath, "*.eml").Select(f => MimeMessage.Load(f).Headers["X-PostPurchase-Key"] ?? "").Where(k => k.StartsWith(id + ":", StringComparison.Ordinal)).Select(k => k[(id.Length + 1)..])];

    private static LinkSigner Signer() => new(Options.Create(new LinksOptions { SigningKey = SigningKey, BaseUrl = SelfHostDriver.PublicBaseUrl }));

    /// <summary>The repository's catalog with offerConsent "explicit", beside its PDF, in a temporary folder.</summary>
    private static string ExplicitConsentCatalog()
    {
        string root = Path.Combine(AzuriteFixture.FindRepoRoot(), "catalog");
        string folder = Directory.CreateTempSubdirectory("catalog-explicit-").FullName;
        File.Copy(Path.Combine(root, "notion-automation-guide.pdf"), Path.Combine(folder, "notion-automation-guide.pdf"));
        string json = File.ReadAllText(Path.Combine(root, "catalog.json")).Replace("\"offerConsent\": \"purchase\"", "\"offerConsent\": \"explicit\"", StringComparison.Ordinal);
        Assert.Contains("\"offerConsent\": \"explicit\"", json, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(folder, "catalog.json"), json);
        return Path.Combine(folder, "catalog.json");
    }

    /// <summary>The sample as if Checkout's consent_collection promotions box had been ticked.</summary>
    private static byte[] WithCheckoutConsent(byte[] sample) =>
        Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(sample).Replace("\"consent\": null", "\"consent\": { \"promotions\": \"opt_in\", \"terms_of_service\": null }", StringComparison.Ordinal));

    private static byte[] Sample(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "samples", name));

    private static (byte[] Body, string InstanceId) WithNewPaymentIntent(byte[] sample, string? buyerEmail = null)
    {
        string text = Encoding.UTF8.GetString(sample);
        Assert.Contains("\"consent\"", text, StringComparison.Ordinal);
        string newPi = $"pi_sig{Guid.NewGuid():N}";
        text = PaymentIntent().Replace(text, newPi);
        if (buyerEmail is not null)
        {
            text = text.Replace("alex.rivera@example.net", buyerEmail, StringComparison.Ordinal);
        }

        return (Encoding.UTF8.GetBytes(text), "stripe-" + newPi);
    }

    private static List<string> Links(string? html, string path) =>
        [.. Href().Matches(html ?? "").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).Where(u => u.Contains(path, StringComparison.Ordinal)).Distinct()];

    [GeneratedRegex(@"\bpi_[A-Za-z0-9]+")]
    private static partial Regex PaymentIntent();

    [GeneratedRegex("href=\"([^\"]+)\"")]
    private static partial Regex Href();
}
