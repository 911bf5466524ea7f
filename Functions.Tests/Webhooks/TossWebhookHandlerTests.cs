using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using PostPurchase.Crm;
using PostPurchase.Purchases;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.TestDoubles;
using PostPurchase.Webhooks;

namespace PostPurchase.Tests.Webhooks;

/// <summary>The Toss door's handler on the real samples, with Toss's API as a local server and the CRM on Azurite.</summary>
public sealed class TossWebhookHandlerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const string Webhook = "toss-webhook-payment-status-changed-done.json";
    private const string Confirmed = "toss-confirm-response-done.json";
    private const string PaymentKey = "tviva20250314210705Ab3dE";

    private FakeTossApi toss = null!;
    private SourceServices services = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        this.toss = await FakeTossApi.StartAsync();
        this.services = SourceServices.Create(azurite, new Dictionary<string, string?>
        {
            ["Toss:SecretKey"] = FakeTossApi.SecretKey,
            ["Toss:ApiBase"] = this.toss.BaseUrl,
        });
    }

    public async ValueTask DisposeAsync()
    {
        await this.services.DisposeAsync();
        await this.toss.DisposeAsync();
    }

    [Fact]
    public async Task The_sample_webhook_confirmed_by_Toss_is_the_purchase_its_README_lists()
    {
        this.toss.Payments[PaymentKey] = Sample(Confirmed);

        WebhookVerdict verdict = await this.Handler.HandleAsync(Sample(Webhook), Ct);

        Assert.Equal(VerdictKind.Purchase, verdict.Kind);
        Purchase p = verdict.Purchase!;
        Assert.Equal("toss", p.Provider);
        Assert.Equal(PaymentKey, p.PaymentId);
        Assert.Equal("ord_20250314_0003", p.OrderReference);
        Assert.Equal(new Buyer("minji.kim@example.com", null, "ko", "Asia/Seoul"), p.Buyer);
        Assert.Equal("노션 업무 자동화 템플릿 패키지", p.ProductName);
        Assert.Equal("notion-automation-pack-v2", p.Sku);
        Assert.Equal(Money.Of(39000, "KRW"), p.Amount);
        Assert.Equal("39,000원", p.Amount.Format(p.Buyer.Locale));
        Assert.Equal(DateTimeOffset.Parse("2025-03-14T21:07:33+09:00", CultureInfo.InvariantCulture), p.PaidAt);
        Assert.Equal(TimeSpan.FromHours(9), p.PaidAt.Offset);

        // Re-read with the secret key as Basic user name and an empty password, as Toss documents.
        RecordedRequest lookup = Assert.Single(this.toss.Requests);
        Assert.Equal("GET", lookup.Method);
        Assert.Equal($"/v1/payments/{PaymentKey}", lookup.PathAndQuery);
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(FakeTossApi.SecretKey + ":")), lookup.Headers["Authorization"]);
    }

    [Fact]
    public async Task A_body_Toss_does_not_know_is_rejected_and_the_seller_hears_of_it_once()
    {
        WebhookVerdict first = await this.Handler.HandleAsync(Sample(Webhook), Ct);
        WebhookVerdict again = await this.Handler.HandleAsync(Sample(Webhook), Ct);

        Assert.Equal(VerdictKind.Rejected, first.Kind);
        Assert.Equal("payment not found at Toss", first.Reason);
        Assert.Equal(VerdictKind.Rejected, again.Kind);
        string alert = Assert.Single(this.services.SlackLines());
        Assert.Contains("did not match", alert, StringComparison.Ordinal);
        Assert.Contains(PaymentKey, alert, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("totalAmount", "390")]
    [InlineData("orderId", "\"ord_forged\"")]
    [InlineData("currency", "\"USD\"")]
    [InlineData("totalAmount", "null")]
    public async Task A_body_that_differs_from_Toss_in_order_amount_or_currency_is_forged(string field, string value)
    {
        this.toss.Payments[PaymentKey] = Sample(Confirmed);
        JsonNode body = JsonNode.Parse(Sample(Webhook))!;
        body["data"]![field] = JsonNode.Parse(value);

        WebhookVerdict verdict = await this.Handler.HandleAsync(Encoding.UTF8.GetBytes(body.ToJsonString()), Ct);

        Assert.Equal(VerdictKind.Rejected, verdict.Kind);
        Assert.Equal("does not match the payment at Toss", verdict.Reason);
        Assert.Contains("did not match", Assert.Single(this.services.SlackLines()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_ABORTED_delivery_for_a_payment_Toss_says_is_DONE_is_still_the_same_purchase()
    {
        this.toss.Payments[PaymentKey] = Sample(Confirmed);
        JsonNode aborted = JsonNode.Parse(Sample(Webhook))!;
        aborted["data"]!["status"] = "ABORTED";
        aborted["data"]!["approvedAt"] = null;

        WebhookVerdict verdict = await this.Handler.HandleAsync(Encoding.UTF8.GetBytes(aborted.ToJsonString()), Ct);

        // Toss's current state decides, so an out-of-order ABORTED never turns a paid order into anything else.
        Assert.Equal(VerdictKind.Purchase, verdict.Kind);
        Assert.Equal(PaymentKey, verdict.Purchase!.PaymentId);
    }

    [Theory]
    [InlineData("ABORTED")]
    [InlineData("EXPIRED")]
    [InlineData("WAITING_FOR_DEPOSIT")]
    public async Task A_payment_Toss_says_was_not_completed_is_ignored(string status)
    {
        this.toss.Payments[PaymentKey] = WithPayment(p => p["status"] = status);

        WebhookVerdict verdict = await this.Handler.HandleAsync(Sample(Webhook), Ct);

        Assert.Equal(VerdictKind.Ignored, verdict.Kind);
        Assert.Empty(this.services.SlackLines());
    }

    [Fact]
    public async Task Cancellations_are_refunds_of_what_was_cancelled()
    {
        this.toss.Payments[PaymentKey] = WithPayment(p =>
        {
            p["status"] = "PARTIAL_CANCELED";
            p["balanceAmount"] = 29000;
            p["cancels"] = JsonNode.Parse("""[{"cancelAmount":10000,"cancelReason":"고객 변심","canceledAt":"2025-03-17T10:00:00+09:00","transactionKey":"txrd_fake_cancel"}]""");
        });

        WebhookVerdict verdict = await this.Handler.HandleAsync(Sample(Webhook), Ct);

        Assert.Equal(VerdictKind.Refund, verdict.Kind);
        Assert.Equal(new Refund("toss", PaymentKey, Money.Of(10000, "KRW"), DateTimeOffset.Parse("2025-03-17T10:00:00+09:00", CultureInfo.InvariantCulture), "minji.kim@example.com"), verdict.Refund);
    }

    [Fact]
    public async Task Nulls_empty_strings_Korean_values_and_unknown_fields_never_throw()
    {
        this.toss.Payments[PaymentKey] = WithPayment(p =>
        {
            p["method"] = null;
            p["approvedAt"] = "";
            p["orderName"] = "";
            p["metadata"] = null;
            p["easyPay"] = JsonNode.Parse("""{"provider":"카카오페이","amount":null,"새필드":[1,{"x":null}]}""");
            p["someFutureField"] = JsonNode.Parse("""{"nested":{"deeper":[null,"",0]}}""");
        });

        WebhookVerdict verdict = await this.Handler.HandleAsync(Sample(Webhook), Ct);

        Assert.Equal(VerdictKind.Purchase, verdict.Kind);
        Purchase p = verdict.Purchase!;
        Assert.Null(p.Buyer.Email);   // no metadata and no expected order: the journey records needs-buyer-email
        Assert.Equal("", p.ProductName);
        // No approvedAt: the event's createdAt, which is Seoul time without an offset.
        Assert.Equal(DateTimeOffset.Parse("2025-03-14T21:07:33.418204+09:00", CultureInfo.InvariantCulture), p.PaidAt);
    }

    [Fact]
    public async Task Without_metadata_the_buyer_comes_from_the_order_the_sellers_checkout_stored()
    {
        this.toss.Payments[PaymentKey] = WithPayment(p => p["metadata"] = null);
        await this.services.Get<CustomerRepository>().SaveExpectedOrderAsync(
            new ExpectedOrder("ord_20250314_0003", "minji.kim@example.com", "김민지", "notion-automation-pack-v2", DateTimeOffset.UtcNow), Ct);

        WebhookVerdict verdict = await this.Handler.HandleAsync(Sample(Webhook), Ct);

        Assert.Equal(new Buyer("minji.kim@example.com", "김민지", "ko", "Asia/Seoul"), verdict.Purchase!.Buyer);
        Assert.Equal("notion-automation-pack-v2", verdict.Purchase.Sku);
    }

    [Fact]
    public void CreatedAt_without_an_offset_is_Seoul_time_and_an_explicit_offset_is_kept()
    {
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 12, 7, 33, TimeSpan.Zero).AddTicks(4182040), TossWebhookHandler.SeoulTime("2025-03-14T21:07:33.418204")!.Value.ToUniversalTime());
        Assert.Equal(TimeSpan.FromHours(9), TossWebhookHandler.SeoulTime("2025-03-14T21:07:33.418204")!.Value.Offset);
        Assert.Equal(TimeSpan.Zero, TossWebhookHandler.SeoulTime("2025-03-14T12:07:33Z")!.Value.Offset);
        Assert.Null(TossWebhookHandler.SeoulTime(""));
        Assert.Null(TossWebhookHandler.SeoulTime("오후 9시"));
    }

    [Fact]
    public async Task Other_event_types_are_ignored_and_malformed_bodies_rejected_without_asking_Toss()
    {
        WebhookVerdict payout = await this.Handler.HandleAsync("""{"eventType":"payout.changed","createdAt":"2025-03-14T21:07:33","data":{}}"""u8.ToArray(), Ct);
        WebhookVerdict broken = await this.Handler.HandleAsync("""{"eventType":"PAYMENT_STATUS_CHANGED","data":"""u8.ToArray(), Ct);
        WebhookVerdict keyless = await this.Handler.HandleAsync("""{"eventType":"PAYMENT_STATUS_CHANGED","data":{"paymentKey":""}}"""u8.ToArray(), Ct);

        Assert.Equal(VerdictKind.Ignored, payout.Kind);
        Assert.Equal(("malformed JSON", VerdictKind.Rejected), (broken.Reason, broken.Kind));
        Assert.Equal(VerdictKind.Rejected, keyless.Kind);
        Assert.Empty(this.toss.Requests);
    }

    [Fact]
    public async Task Without_a_secret_key_nothing_can_be_confirmed_so_nothing_is_accepted()
    {
        await using SourceServices unconfigured = SourceServices.Create(azurite, new Dictionary<string, string?> { ["Toss:ApiBase"] = this.toss.BaseUrl });
        this.toss.Payments[PaymentKey] = Sample(Confirmed);

        WebhookVerdict verdict = await unconfigured.Get<TossWebhookHandler>().HandleAsync(Sample(Webhook), Ct);

        Assert.Equal(VerdictKind.Rejected, verdict.Kind);
        Assert.Contains("Toss:SecretKey", verdict.Reason, StringComparison.Ordinal);
        Assert.Empty(this.toss.Requests);
    }

    private TossWebhookHandler Handler => this.services.Get<TossWebhookHandler>();

    private static byte[] WithPayment(Action<JsonNode> change)
    {
        JsonNode payment = JsonNode.Parse(Sample(Confirmed))!;
        change(payment);
        return Encoding.UTF8.GetBytes(payment.ToJsonString());
    }

    internal static byte[] Sample(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "samples", name));
}
