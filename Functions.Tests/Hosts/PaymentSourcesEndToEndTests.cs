using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using MimeKit;
using PostPurchase.Http;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.TestDoubles;
using PostPurchase.Tests.Webhooks;

namespace PostPurchase.Tests.Hosts;

/// <summary>
/// Every payment source end to end through the real SelfHost (Kestrel, Durable engine and CRM on Azurite): Toss and
/// PayPal with their APIs as local servers, receipt mails as SendGrid Inbound Parse forms; each shared sample gives
/// its journey or its documented refusal, and one sale seen through two sources gives one journey.
/// </summary>
public sealed class PaymentSourcesEndToEndTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string TossKey = "tviva20250314210705Ab3dE";
    private const string TossJourney = "toss-" + TossKey;
    private const string InboundSecret = "parse-secret-0001";

    private FakeTossApi toss = null!;
    private FakePayPalApi paypal = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        this.toss = await FakeTossApi.StartAsync();
        this.paypal = await FakePayPalApi.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await this.toss.DisposeAsync();
        await this.paypal.DisposeAsync();
    }

    [Fact]
    public async Task The_Toss_sample_webhook_confirmed_by_Toss_gets_the_buyer_a_korean_welcome_mail()
    {
        await using SelfHostDriver host = await this.StartAsync();
        this.toss.Payments[TossKey] = Sample("toss-confirm-response-done.json");

        using HttpResponseMessage response = await PostJsonAsync(host, "/api/webhooks/toss", Sample("toss-webhook-payment-status-changed-done.json"));

        Assert.Equal("accepted", (await Answer(response)).Status);
        MimeMessage welcome = await host.WaitForMailAsync(TossJourney, "welcome");
        Assert.Equal("minji.kim@example.com", welcome.To.Mailboxes.Single().Address);
        Assert.Contains("39,000원", welcome.HtmlBody, StringComparison.Ordinal);
        OrderView order = await host.WaitForOrderAsync(TossJourney, v => v.Crm is not null);
        Assert.Equal(("toss", "ord_20250314_0003", "active"), (order.Crm!.Provider, order.Crm.OrderReference, order.Crm.Status));
    }

    [Fact]
    public async Task A_forged_Toss_body_is_rejected_with_a_Slack_alert_and_no_journey()
    {
        await using SelfHostDriver host = await this.StartAsync();

        using HttpResponseMessage response = await PostJsonAsync(host, "/api/webhooks/toss", Sample("toss-webhook-payment-status-changed-done.json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(new DoorAnswer("rejected", "payment not found at Toss"), await Answer(response));
        Assert.Contains("did not match", Assert.Single(host.SlackLines()), StringComparison.Ordinal);
        OrderView? order = await host.GetOrderAsync(TossJourney);
        Assert.True(order?.RuntimeStatus is null && order?.Crm is null, "a forged body must leave no journey and no order");
        Assert.False(Directory.Exists(host.OutboxPath) && Directory.GetFiles(host.OutboxPath).Length > 0);
    }

    [Fact]
    public async Task DONE_then_ABORTED_and_redeliveries_for_one_order_make_one_journey_that_stays_paid()
    {
        await using SelfHostDriver host = await this.StartAsync(dayLengthSeconds: 60);
        this.toss.Payments[TossKey] = Sample("toss-confirm-response-done.json");
        byte[] done = Sample("toss-webhook-payment-status-changed-done.json");
        JsonNode abortedNode = JsonNode.Parse(done)!;
        abortedNode["data"]!["status"] = "ABORTED";
        abortedNode["createdAt"] = "2025-03-14T21:07:33.419001";
        byte[] aborted = Encoding.UTF8.GetBytes(abortedNode.ToJsonString());

        // Milliseconds apart, in either order, then Toss's retries.
        HttpResponseMessage[] answers = await Task.WhenAll(
            PostJsonAsync(host, "/api/webhooks/toss", done), PostJsonAsync(host, "/api/webhooks/toss", aborted),
            PostJsonAsync(host, "/api/webhooks/toss", aborted), PostJsonAsync(host, "/api/webhooks/toss", done));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        string[] statuses = await Task.WhenAll(answers.Select(async a => (await Answer(a)).Status));
        Assert.Equal(1, statuses.Count(s => s == "accepted"));
        Assert.Equal(3, statuses.Count(s => s == "already received"));
        await host.WaitForMailAsync(TossJourney, "welcome");
        OrderView order = await host.WaitForOrderAsync(TossJourney, v => v.Stage == "awaiting-day3");
        Assert.Equal("active", order.Crm!.Status);
        Assert.Single(Directory.GetFiles(host.OutboxPath, "*.eml"));
    }

    [Fact]
    public async Task The_sellers_checkout_names_the_buyer_of_a_Toss_payment_that_carries_none()
    {
        await using SelfHostDriver host = await this.StartAsync();
        JsonNode payment = JsonNode.Parse(Sample("toss-confirm-response-done.json"))!;
        payment["metadata"] = null;
        this.toss.Payments[TossKey] = Encoding.UTF8.GetBytes(payment.ToJsonString());

        using HttpResponseMessage bad = await host.Http.PostAsJsonAsync("/api/orders/expected", new { orderId = "ord_20250314_0003", buyerEmail = "not an address" }, Ct);
        using HttpResponseMessage stored = await host.Http.PostAsJsonAsync("/api/orders/expected",
            new { orderId = "ord_20250314_0003", buyerEmail = "minji.kim@example.com", buyerName = "김민지", sku = "notion-automation-pack-v2" }, Ct);
        using HttpResponseMessage accepted = await PostJsonAsync(host, "/api/webhooks/toss", Sample("toss-webhook-payment-status-changed-done.json"));

        Assert.Equal((HttpStatusCode.BadRequest, "buyerEmail is not an e-mail address"), (bad.StatusCode, (await Answer(bad)).Reason));
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal("accepted", (await Answer(accepted)).Status);
        MimeMessage welcome = await host.WaitForMailAsync(TossJourney, "welcome");
        Assert.Equal(("minji.kim@example.com", "김민지"), (welcome.To.Mailboxes.Single().Address, welcome.To.Mailboxes.Single().Name));
    }

    [Fact]
    public async Task A_Toss_payment_with_no_buyer_anywhere_waits_for_the_seller_without_a_welcome_mail()
    {
        await using SelfHostDriver host = await this.StartAsync();
        JsonNode payment = JsonNode.Parse(Sample("toss-confirm-response-done.json"))!;
        payment["metadata"] = null;
        this.toss.Payments[TossKey] = Encoding.UTF8.GetBytes(payment.ToJsonString());

        await PostJsonAsync(host, "/api/webhooks/toss", Sample("toss-webhook-payment-status-changed-done.json"));

        OrderView done = await host.WaitForCompletionAsync(TossJourney);
        Assert.Equal("needs-buyer-email", done.Crm!.Status);
        Assert.Contains("no usable buyer e-mail", Assert.Single(host.SlackLines()), StringComparison.Ordinal);
        Assert.Empty(host.Mails(TossJourney, "welcome"));
    }

    [Fact]
    public async Task The_PayPal_sample_with_its_fake_headers_is_refused_and_a_genuine_delivery_starts_an_english_journey_a_refund_stops()
    {
        await using SelfHostDriver host = await this.StartAsync(dayLengthSeconds: 60);
        this.paypal.Orders["5O190127TN364715T"] = PayPalWebhookHandlerTests.SampleOrder;
        byte[] capture = Sample("paypal-webhook-payment.capture.completed.json");
        const string journey = "paypal-7TK53561YB803214S";

        using HttpResponseMessage refused = await PostPayPalAsync(host, capture, FakePayPalApi.SampleHeaders(SamplePath("paypal-webhook-payment.capture.completed.headers.txt")));
        using HttpResponseMessage accepted = await PostPayPalAsync(host, capture, FakePayPalApi.SignedHeaders(capture));

        Assert.Equal((HttpStatusCode.BadRequest, "bad signature"), (refused.StatusCode, (await Answer(refused)).Reason));
        Assert.Equal("accepted", (await Answer(accepted)).Status);
        MimeMessage welcome = await host.WaitForMailAsync(journey, "welcome");
        Assert.Equal("alex.rivera@example.net", welcome.To.Mailboxes.Single().Address);
        Assert.Contains("$29.00", welcome.HtmlBody, StringComparison.Ordinal);
        Assert.Contains(this.paypal.VerifiedEvents, e => e.AsSpan().SequenceEqual(capture));

        byte[] refund = PayPalWebhookHandlerTests.RefundEvent("29.00");
        using HttpResponseMessage refunded = await PostPayPalAsync(host, refund, FakePayPalApi.SignedHeaders(refund, "refund-1"));
        Assert.Equal("refund recorded", (await Answer(refunded)).Status);
        OrderView done = await host.WaitForCompletionAsync(journey);
        Assert.Equal(("refunded", "refunded"), (done.Stage, done.Crm!.Status));
    }

    [Fact]
    public async Task The_Toss_receipt_mail_starts_the_journey_through_Inbound_Parse()
    {
        await using SelfHostDriver host = await this.StartAsync();

        using HttpResponseMessage response = await PostMailAsync(host, InboundParseForms.Raw(InboundMailHandlerTests.Eml(InboundMailHandlerTests.TossMail)));

        MailDoorAnswer answer = (await response.Content.ReadFromJsonAsync<MailDoorAnswer>(Ct))!;
        Assert.Equal(("accepted", "toss-tviva20250314210705Xy9Zq"), (answer.Status, answer.OrderId));
        MimeMessage welcome = await host.WaitForMailAsync(answer.OrderId!, "welcome");
        Assert.Equal("minji.kim@example.com", welcome.To.Mailboxes.Single().Address);
        OrderView order = await host.WaitForOrderAsync(answer.OrderId!, v => v.Crm is not null);
        Assert.Contains("channel:email", order.Crm!.Tags);
    }

    [Fact]
    public async Task The_NaverPay_notice_records_needs_buyer_email_alerts_the_seller_and_sends_no_mail()
    {
        await using SelfHostDriver host = await this.StartAsync();
        const string journey = "naverpay-2025031421155512";

        using HttpResponseMessage response = await PostMailAsync(host, InboundParseForms.Raw(InboundMailHandlerTests.Eml(InboundMailHandlerTests.NaverPayMail)));

        Assert.Equal("accepted", (await response.Content.ReadFromJsonAsync<MailDoorAnswer>(Ct))!.Status);
        OrderView done = await host.WaitForCompletionAsync(journey);
        Assert.Equal(("needs-buyer-email", "김*지"), (done.Crm!.Status, done.Crm.BuyerName));
        Assert.Null(done.Crm.BuyerEmail);
        Assert.Contains("no usable buyer e-mail", Assert.Single(host.SlackLines()), StringComparison.Ordinal);
        Assert.Empty(host.Mails(journey, "welcome"));
    }

    [Fact]
    public async Task The_same_sale_through_the_Toss_webhook_and_the_sellers_notice_mail_makes_one_journey_and_one_mail()
    {
        await using SelfHostDriver host = await this.StartAsync(dayLengthSeconds: 60);
        this.toss.Payments[TossKey] = Sample("toss-confirm-response-done.json");

        // Both at once: the webhook and the mail carry different payment keys but the same buyer, product, amount and time.
        Task<HttpResponseMessage> webhook = PostJsonAsync(host, "/api/webhooks/toss", Sample("toss-webhook-payment-status-changed-done.json"));
        Task<HttpResponseMessage> mail = PostMailAsync(host, InboundParseForms.Raw(InboundMailHandlerTests.Eml(InboundMailHandlerTests.TossMail)));
        await Task.WhenAll(webhook, mail);

        DoorAnswer fromWebhook = await Answer(webhook.Result);
        MailDoorAnswer fromMail = (await mail.Result.Content.ReadFromJsonAsync<MailDoorAnswer>(Ct))!;
        string[] statuses = [fromWebhook.Status, fromMail.Status];
        Assert.Equal(1, statuses.Count(s => s == "accepted"));
        Assert.Equal(1, statuses.Count(s => s == "already received"));
        await host.WaitForMailAsync(fromWebhook.Status == "accepted" ? TossJourney : fromMail.OrderId!, "welcome");
        await Task.Delay(1500, Ct);   // time for a second journey, if any, to mail
        MimeMessage welcome = Assert.Single(Directory.GetFiles(host.OutboxPath, "*.eml").Select(f => MimeMessage.Load(f)));
        Assert.Equal("minji.kim@example.com", welcome.To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task A_forwarded_receipt_waits_for_the_seller_and_the_sellers_replay_starts_it()
    {
        await using SelfHostDriver host = await this.StartAsync();

        using HttpResponseMessage response = await PostMailAsync(host, InboundParseForms.Raw(InboundMailHandlerTests.GmailForward(InboundMailHandlerTests.Eml(InboundMailHandlerTests.TossMail))));
        MailDoorAnswer asked = (await response.Content.ReadFromJsonAsync<MailDoorAnswer>(Ct))!;
        Assert.Equal("awaiting-seller", asked.Status);
        Assert.Contains("forwarded receipt", Assert.Single(host.SlackLines()), StringComparison.Ordinal);

        using HttpResponseMessage granted = await host.Http.PostAsync($"/api/inbound-mail/{asked.MailId}/replay", null, Ct);

        MailDoorAnswer started = (await granted.Content.ReadFromJsonAsync<MailDoorAnswer>(Ct))!;
        Assert.Equal("accepted", started.Status);
        OrderView order = await host.WaitForOrderAsync(started.OrderId!, v => v.Crm is not null);
        Assert.Contains("channel:forwarded-email", order.Crm!.Tags);
        await host.WaitForMailAsync(started.OrderId!, "welcome");
    }

    [Fact]
    public async Task The_inbound_door_answers_401_without_its_secret_and_stores_nothing()
    {
        await using SelfHostDriver host = await this.StartAsync();

        using MultipartFormDataContent form = InboundParseForms.Raw(InboundMailHandlerTests.Eml(InboundMailHandlerTests.TossMail));
        using HttpResponseMessage response = await host.Http.PostAsync("/api/webhooks/inbound-email?secret=wrong", form, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(await host.GetOrderAsync("toss-tviva20250314210705Xy9Zq"));
    }

    private Task<SelfHostDriver> StartAsync(double dayLengthSeconds = 0.5) => SelfHostDriver.StartAsync(azurite, dayLengthSeconds: dayLengthSeconds, extra: new Dictionary<string, string?>
    {
        ["Toss:SecretKey"] = FakeTossApi.SecretKey,
        ["Toss:ApiBase"] = this.toss.BaseUrl,
        ["PayPal:ClientId"] = FakePayPalApi.ClientId,
        ["PayPal:ClientSecret"] = FakePayPalApi.ClientSecret,
        ["PayPal:WebhookId"] = FakePayPalApi.WebhookId,
        ["PayPal:ApiBase"] = this.paypal.BaseUrl,
        ["InboundMail:Secret"] = InboundSecret,
    });

    private static async Task<HttpResponseMessage> PostJsonAsync(SelfHostDriver host, string path, byte[] body)
    {
        using ByteArrayContent content = new(body);
        content.Headers.ContentType = new("application/json");
        return await host.Http.PostAsync(path, content, Ct);
    }

    private static async Task<HttpResponseMessage> PostPayPalAsync(SelfHostDriver host, byte[] body, Dictionary<string, string> headers)
    {
        using ByteArrayContent content = new(body);
        content.Headers.ContentType = new("application/json");
        using HttpRequestMessage request = new(HttpMethod.Post, "/api/webhooks/paypal") { Content = content };
        foreach ((string name, string value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return await host.Http.SendAsync(request, Ct);
    }

    private static async Task<HttpResponseMessage> PostMailAsync(SelfHostDriver host, MultipartFormDataContent form)
    {
        using (form)
        {
            return await host.Http.PostAsync($"/api/webhooks/inbound-email?secret={InboundSecret}", form, Ct);
        }
    }

    private static async Task<DoorAnswer> Answer(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<DoorAnswer>(Ct))!;

    private static string SamplePath(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "samples", name);

    private static byte[] Sample(string name) => File.ReadAllBytes(SamplePath(name));
}
