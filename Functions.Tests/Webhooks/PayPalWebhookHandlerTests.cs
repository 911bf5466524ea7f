using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using PostPurchase.Purchases;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.TestDoubles;
using PostPurchase.Webhooks;

namespace PostPurchase.Tests.Webhooks;

/// <summary>The PayPal handler on the real sample bytes, with PayPal's API (token, verification, orders) as a local server.</summary>
public sealed class PayPalWebhookHandlerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Capture = "paypal-webhook-payment.capture.completed.json";
    private const string OrderId = "5O190127TN364715T";

    internal const string SampleOrder = """
        {"id":"5O190127TN364715T","intent":"CAPTURE","status":"COMPLETED",
         "payer":{"name":{"given_name":"Alex","surname":"Rivera"},"email_address":"alex.rivera@example.net","payer_id":"FAKEPAYER01","address":{"country_code":"US"}},
         "purchase_units":[{"reference_id":"default","invoice_id":"ord_20250314_0004","custom_id":"notion-automation-pack-v2",
           "amount":{"currency_code":"USD","value":"29.00"},
           "items":[{"name":"Notion Automation Template Pack","sku":"notion-automation-pack-v2","quantity":"1","unit_amount":{"currency_code":"USD","value":"29.00"}}]}]}
        """;

    private FakePayPalApi paypal = null!;
    private SourceServices services = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        this.paypal = await FakePayPalApi.StartAsync();
        this.paypal.Orders[OrderId] = SampleOrder;
        this.services = SourceServices.Create(azurite, Settings(this.paypal.BaseUrl));
    }

    public async ValueTask DisposeAsync()
    {
        await this.services.DisposeAsync();
        await this.paypal.DisposeAsync();
    }

    internal static Dictionary<string, string?> Settings(string baseUrl) => new()
    {
        ["PayPal:ClientId"] = FakePayPalApi.ClientId,
        ["PayPal:ClientSecret"] = FakePayPalApi.ClientSecret,
        ["PayPal:WebhookId"] = FakePayPalApi.WebhookId,
        ["PayPal:ApiBase"] = baseUrl,
    };

    [Fact]
    public async Task A_genuine_capture_is_verified_on_its_exact_bytes_and_its_order_names_the_payer()
    {
        byte[] body = TossWebhookHandlerTests.Sample(Capture);

        WebhookVerdict verdict = await this.HandleAsync(body, FakePayPalApi.SignedHeaders(body));

        Assert.Equal(VerdictKind.Purchase, verdict.Kind);
        Purchase p = verdict.Purchase!;
        Assert.Equal("paypal", p.Provider);
        Assert.Equal("7TK53561YB803214S", p.PaymentId);
        Assert.Equal("ord_20250314_0004", p.OrderReference);
        Assert.Equal(new Buyer("alex.rivera@example.net", "Alex Rivera", "en", "UTC"), p.Buyer);
        Assert.Equal("notion-automation-pack-v2", p.Sku);
        Assert.Equal("Notion Automation Template Pack", p.ProductName);
        Assert.Equal(Money.Of(2900, "USD"), p.Amount);
        Assert.Equal(DateTimeOffset.Parse("2025-03-14T15:41:08Z", CultureInfo.InvariantCulture), p.PaidAt);

        // PayPal received the delivered bytes themselves as webhook_event, not a re-serialised copy.
        Assert.Equal(body, Assert.Single(this.paypal.VerifiedEvents));
        Assert.Contains(this.paypal.Requests, r => r.PathAndQuery == $"/v2/checkout/orders/{OrderId}" && r.Method == "GET");
    }

    [Fact]
    public async Task The_sample_with_its_fake_delivery_headers_fails_verification_and_is_rejected()
    {
        byte[] body = TossWebhookHandlerTests.Sample(Capture);
        Dictionary<string, string> headers = FakePayPalApi.SampleHeaders(
            Path.Combine(AppContext.BaseDirectory, "Fixtures", "samples", "paypal-webhook-payment.capture.completed.headers.txt"));

        WebhookVerdict verdict = await this.HandleAsync(body, headers);

        Assert.Equal((VerdictKind.Rejected, "bad signature"), (verdict.Kind, verdict.Reason));
        Assert.DoesNotContain(this.paypal.Requests, r => r.PathAndQuery.StartsWith("/v2/checkout/orders/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_event_reformatted_or_with_one_byte_changed_no_longer_verifies()
    {
        byte[] body = TossWebhookHandlerTests.Sample(Capture);
        Dictionary<string, string> headers = FakePayPalApi.SignedHeaders(body);
        byte[] reformatted = Encoding.UTF8.GetBytes(JsonNode.Parse(body)!.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        byte[] tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("\"29.00\"", "\"2.90\"", StringComparison.Ordinal));

        Assert.Equal(VerdictKind.Rejected, (await this.HandleAsync(reformatted, headers)).Kind);
        Assert.Equal(VerdictKind.Rejected, (await this.HandleAsync(tampered, headers)).Kind);
        Assert.Equal(VerdictKind.Purchase, (await this.HandleAsync(body, headers)).Kind);
    }

    [Fact]
    public async Task A_genuine_event_in_a_layout_a_serializer_would_change_still_verifies_because_its_bytes_are_sent_unchanged()
    {
        // Indented, with Hangul and a "\/" escape and a trailing newline: any re-serialisation would change these bytes.
        string text = Encoding.UTF8.GetString(TossWebhookHandlerTests.Sample(Capture))
            .Replace("\"summary\":\"Payment completed for $ 29.0 USD\"", "\n  \"summary\" : \"결제 완료 \\/ Payment completed for $ 29.0 USD\"", StringComparison.Ordinal) + "\n";
        byte[] body = Encoding.UTF8.GetBytes(text);
        Assert.NotEqual(body, Encoding.UTF8.GetBytes(JsonNode.Parse(body)!.ToJsonString()));

        WebhookVerdict verdict = await this.HandleAsync(body, FakePayPalApi.SignedHeaders(body));

        Assert.Equal(VerdictKind.Purchase, verdict.Kind);
        Assert.Equal(body, Assert.Single(this.paypal.VerifiedEvents));
    }

    [Fact]
    public async Task Missing_transmission_headers_are_rejected_without_asking_PayPal()
    {
        WebhookVerdict verdict = await this.HandleAsync(TossWebhookHandlerTests.Sample(Capture), []);

        Assert.Equal((VerdictKind.Rejected, "missing PayPal transmission headers"), (verdict.Kind, verdict.Reason));
        Assert.Empty(this.paypal.Requests);
    }

    [Fact]
    public async Task A_refund_stops_the_journey_of_the_capture_it_links_up_to_and_one_token_serves_both_deliveries()
    {
        byte[] capture = TossWebhookHandlerTests.Sample(Capture);
        byte[] refund = RefundEvent("29.00");

        await this.HandleAsync(capture, FakePayPalApi.SignedHeaders(capture));
        WebhookVerdict verdict = await this.HandleAsync(refund, FakePayPalApi.SignedHeaders(refund, "refund-transmission-1"));

        Assert.Equal(VerdictKind.Refund, verdict.Kind);
        Assert.Equal(new Refund("paypal", "7TK53561YB803214S", Money.Of(2900, "USD"), DateTimeOffset.Parse("2025-03-17T09:00:00Z", CultureInfo.InvariantCulture), null), verdict.Refund);
        Assert.Single(this.paypal.Requests, r => r.PathAndQuery == "/v1/oauth2/token");
    }

    [Fact]
    public async Task Wrong_client_credentials_reject_the_delivery_with_a_reason()
    {
        Dictionary<string, string?> settings = Settings(this.paypal.BaseUrl);
        settings["PayPal:ClientSecret"] = "not-the-secret";
        await using SourceServices wrong = SourceServices.Create(azurite, settings);
        byte[] body = TossWebhookHandlerTests.Sample(Capture);

        WebhookVerdict verdict = await wrong.Get<PayPalWebhookHandler>().HandleAsync(body, Transmission(FakePayPalApi.SignedHeaders(body)), Ct);

        Assert.Equal((VerdictKind.Rejected, "PayPal refused the client credentials"), (verdict.Kind, verdict.Reason));
    }

    [Theory]
    [InlineData("29.00", "USD", 2900L)]
    [InlineData("29", "USD", 2900L)]
    [InlineData("0.29", "USD", 29L)]
    [InlineData("10.5", "EUR", 1050L)]
    [InlineData("1000", "JPY", 1000L)]
    [InlineData("1000.00", "JPY", 1000L)]
    [InlineData("1000", "HUF", 100000L)]
    [InlineData("1000", "TWD", 100000L)]
    [InlineData("39000", "KRW", 39000L)]
    [InlineData("92233720368547.75", "USD", 9223372036854775L)]
    public void Decimal_strings_become_exact_minor_units(string value, string currency, long minor)
    {
        Assert.Equal(Money.Of(minor, currency), DecimalAmount.ToMoney(value, currency));
    }

    [Theory]
    [InlineData("1.005", "USD")]
    [InlineData("100.5", "JPY")]
    [InlineData("-5.00", "USD")]
    [InlineData("1e3", "USD")]
    [InlineData("", "USD")]
    [InlineData("12.", "USD")]
    [InlineData("29.00", "")]
    public void Amounts_that_would_need_rounding_or_are_not_plain_decimals_are_refused(string value, string currency)
    {
        Assert.Null(DecimalAmount.ToMoney(value, currency));
    }

    internal static byte[] RefundEvent(string value) => Encoding.UTF8.GetBytes(
        "{\"id\":\"WH-REFUND-0001\",\"event_version\":\"1.0\",\"create_time\":\"2025-03-17T09:00:02.100Z\",\"resource_type\":\"refund\",\"event_type\":\"PAYMENT.CAPTURE.REFUNDED\","
        + "\"resource\":{\"id\":\"1JU08902781691411\",\"amount\":{\"currency_code\":\"USD\",\"value\":\"" + value + "\"},\"status\":\"COMPLETED\",\"invoice_id\":\"ord_20250314_0004\","
        + "\"create_time\":\"2025-03-17T09:00:00Z\",\"links\":[{\"href\":\"https://api.sandbox.paypal.com/v2/payments/refunds/1JU08902781691411\",\"rel\":\"self\",\"method\":\"GET\"},"
        + "{\"href\":\"https://api.sandbox.paypal.com/v2/payments/captures/7TK53561YB803214S\",\"rel\":\"up\",\"method\":\"GET\"}]}}");

    private Task<WebhookVerdict> HandleAsync(byte[] body, Dictionary<string, string> headers) =>
        this.services.Get<PayPalWebhookHandler>().HandleAsync(body, Transmission(headers), Ct);

    private static PayPalTransmission Transmission(Dictionary<string, string> h) => new(
        h.GetValueOrDefault("PAYPAL-AUTH-ALGO"), h.GetValueOrDefault("PAYPAL-CERT-URL"), h.GetValueOrDefault("PAYPAL-TRANSMISSION-ID"),
        h.GetValueOrDefault("PAYPAL-TRANSMISSION-SIG"), h.GetValueOrDefault("PAYPAL-TRANSMISSION-TIME"));
}
