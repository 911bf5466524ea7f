using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PostPurchase.Infrastructure;
using PostPurchase.Purchases;
using PostPurchase.Tests.TestDoubles;
using PostPurchase.Webhooks;
using Stripe;
using File = System.IO.File;
using Refund = PostPurchase.Purchases.Refund;

namespace PostPurchase.Tests.Webhooks;

public sealed class StripeWebhookHandlerTests : IDisposable
{
    private const string Secret = "whsec_research_fixture_0000000000000000";
    private const string ApiKey = "sk_test_fixture_51R2kAaExample0000000000";
    private const string KrwCheckout = "stripe-checkout.session.completed-krw.json";
    private const string UsdCheckout = "stripe-checkout.session.completed-usd.json";
    private const string KrwPaymentIntent = "stripe-payment_intent.succeeded-krw.json";
    private const string KrwRefund = "stripe-charge.refunded-krw.json";
    private const string KrwPaymentId = "pi_3R2kAaExampleKRW0001";
    private const string KrwSessionId = "cs_test_a1KRWfakeSessionId0000000000000000000000000000000001";
    private const string KrwChargeId = "ch_3R2kAaExampleKRW0001";
    private const string ProductNameKo = "노션 업무 자동화 템플릿 패키지";

    private static readonly string SamplesDir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "samples");

    // Keeps Hangul as Hangul when a test rewrites a sample, like Stripe's own serializer does.
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly HttpClient http = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => this.http.Dispose();

    // ---- accepted on the real sample bytes ----

    [Fact]
    public async Task Korean_checkout_sample_with_its_header_is_a_purchase_of_39000_won()
    {
        WebhookVerdict verdict = await this.HandleSampleAsync(KrwCheckout);

        Assert.Equal(VerdictKind.Purchase, verdict.Kind);
        Purchase p = verdict.Purchase!;
        Assert.Equal("stripe", p.Provider);
        Assert.Equal(KrwPaymentId, p.PaymentId);
        Assert.Equal("ord_20250314_0001", p.OrderReference);
        Assert.Equal(new Buyer("minji.kim@example.com", "김민지", "ko", "Asia/Seoul"), p.Buyer);
        Assert.Equal("notion-automation-pack-v2", p.Sku);
        Assert.Equal(ProductNameKo, p.ProductName);
        Assert.Equal(Money.Of(39000, "KRW"), p.Amount);   // zero-decimal: ₩39,000, not ₩390
        Assert.Equal("39,000원", p.Amount.Format(p.Buyer.Locale));
        Assert.Equal(DateTimeOffset.Parse("2025-03-14T12:07:43Z", CultureInfo.InvariantCulture), p.PaidAt);
        Assert.Equal(TimeSpan.Zero, p.PaidAt.Offset);
        Assert.Equal("stripe", p.Channel);
    }

    [Fact]
    public async Task Us_dollar_checkout_sample_is_a_purchase_of_29_dollars_in_english()
    {
        WebhookVerdict verdict = await this.HandleSampleAsync(UsdCheckout);

        Assert.Equal(VerdictKind.Purchase, verdict.Kind);
        Purchase p = verdict.Purchase!;
        Assert.Equal("pi_3R2nBbExampleUSD0001", p.PaymentId);
        Assert.Equal(new Buyer("alex.rivera@example.net", "Alex Rivera", "en", "UTC"), p.Buyer);
        Assert.Equal("Notion Automation Template Pack", p.ProductName);
        Assert.Equal(Money.Of(2900, "USD"), p.Amount);
        Assert.Equal("$29.00", p.Amount.Format(p.Buyer.Locale));
        Assert.Equal(DateTimeOffset.Parse("2025-03-14T15:30:07Z", CultureInfo.InvariantCulture), p.PaidAt);
    }

    [Fact]
    public async Task Refunded_charge_sample_is_a_full_refund_of_39000_won_for_the_payment_intent()
    {
        WebhookVerdict verdict = await this.HandleSampleAsync(KrwRefund);

        Assert.Equal(VerdictKind.Refund, verdict.Kind);
        Assert.Equal(
            new Refund("stripe", KrwPaymentId, Money.Of(39000, "KRW"),
                DateTimeOffset.Parse("2025-03-17T12:17:41Z", CultureInfo.InvariantCulture), "minji.kim@example.com"),
            verdict.Refund);
    }

    [Fact]
    public async Task Partial_refund_is_still_a_refund_with_the_refunded_amount()
    {
        JsonNode json = Sample(KrwRefund);
        json["data"]!["object"]!["amount_refunded"] = 10000;
        json["data"]!["object"]!["refunded"] = false;   // Stripe sets refunded only for a full refund

        WebhookVerdict verdict = await this.HandleSignedAsync(json);

        Assert.Equal(VerdictKind.Refund, verdict.Kind);
        Assert.Equal(Money.Of(10000, "KRW"), verdict.Refund!.Amount);
        Assert.Equal(KrwPaymentId, verdict.Refund.PaymentId);
    }

    [Fact]
    public async Task Event_in_an_api_version_other_than_the_sdk_pin_is_accepted()
    {
        // The samples are 2024-06-20 while Stripe.net 53.1.0 is pinned to a 2026 release train.
        Assert.Equal("2024-06-20", Sample(KrwCheckout)["api_version"]!.GetValue<string>());
        Assert.Equal(VerdictKind.Purchase, (await this.HandleSampleAsync(KrwCheckout)).Kind);

        JsonNode future = Sample(KrwCheckout);
        future["api_version"] = "2099-01-01.zucchini";
        future["data"]!["object"]!["field_from_the_future"] = new JsonObject { ["nested"] = new JsonArray(1, 2) };
        WebhookVerdict verdict = await this.HandleSignedAsync(future);

        Assert.Equal(VerdictKind.Purchase, verdict.Kind);
        Assert.Equal(KrwPaymentId, verdict.Purchase!.PaymentId);
    }

    [Fact]
    public async Task Signature_is_accepted_at_both_edges_of_the_300_second_window()
    {
        (long t, string header) = SignatureFor(KrwCheckout);
        byte[] body = SampleBytes(KrwCheckout);

        Assert.Equal(VerdictKind.Purchase, (await this.Handler(new FakeTimeProvider(At(t + 300))).HandleAsync(body, header, Ct)).Kind);
        Assert.Equal(VerdictKind.Purchase, (await this.Handler(new FakeTimeProvider(At(t - 300))).HandleAsync(body, header, Ct)).Kind);
    }

    [Fact]
    public void Test_signer_reproduces_the_fixture_headers()
    {
        // The tests below sign their own bodies; this proves the signer is Stripe's scheme, byte for byte.
        foreach (string file in new[] { KrwCheckout, UsdCheckout, KrwPaymentIntent, KrwRefund })
        {
            (long t, string header) = SignatureFor(file);
            Assert.Equal(header, Sign(SampleBytes(file), t));
        }
    }

    // ---- rejected: not provably from Stripe ----

    [Fact]
    public async Task One_changed_byte_is_rejected()
    {
        byte[] body = SampleBytes(KrwCheckout);
        int at = IndexOf(body, "\"amount_total\": 39000"u8) + "\"amount_total\": ".Length;
        body[at] = (byte)'9';   // 39000 → 99000

        WebhookVerdict verdict = await this.Handler(ClockAt(KrwCheckout)).HandleAsync(body, SignatureFor(KrwCheckout).Header, Ct);

        Assert.Equal(WebhookVerdict.Rejected("bad signature"), verdict);
    }

    [Fact]
    public async Task Same_json_re_serialized_is_rejected()
    {
        byte[] original = SampleBytes(KrwCheckout);
        byte[] reserialized = Encoding.UTF8.GetBytes(JsonNode.Parse(original)!.ToJsonString(Relaxed));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(original), JsonNode.Parse(reserialized)));   // same data…
        Assert.NotEqual(original, reserialized);                                                  // …other bytes

        WebhookVerdict verdict = await this.Handler(ClockAt(KrwCheckout)).HandleAsync(reserialized, SignatureFor(KrwCheckout).Header, Ct);

        Assert.Equal(WebhookVerdict.Rejected("bad signature"), verdict);
    }

    [Fact]
    public async Task Stale_timestamp_is_rejected()
    {
        (long t, string header) = SignatureFor(KrwCheckout);

        WebhookVerdict verdict = await this.Handler(new FakeTimeProvider(At(t + 301))).HandleAsync(SampleBytes(KrwCheckout), header, Ct);

        Assert.Equal(WebhookVerdict.Rejected("timestamp outside tolerance"), verdict);
    }

    [Fact]
    public async Task Header_signed_with_another_secret_is_rejected()
    {
        (long t, _) = SignatureFor(KrwCheckout);
        byte[] body = SampleBytes(KrwCheckout);

        WebhookVerdict verdict = await this.Handler(ClockAt(KrwCheckout)).HandleAsync(body, Sign(body, t, "whsec_someone_else_0000000000000000000"), Ct);

        Assert.Equal(WebhookVerdict.Rejected("bad signature"), verdict);
    }

    [Fact]
    public async Task Handler_configured_with_another_secret_rejects_the_sample()
    {
        WebhookVerdict verdict = await this.Handler(ClockAt(KrwCheckout), secret: "whsec_rotated_0000000000000000000000000")
            .HandleAsync(SampleBytes(KrwCheckout), SignatureFor(KrwCheckout).Header, Ct);

        Assert.Equal(WebhookVerdict.Rejected("bad signature"), verdict);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Missing_signature_header_is_rejected(string? header)
    {
        WebhookVerdict verdict = await this.Handler(ClockAt(KrwCheckout)).HandleAsync(SampleBytes(KrwCheckout), header, Ct);

        Assert.Equal(WebhookVerdict.Rejected("missing signature header"), verdict);
    }

    [Fact]
    public async Task Garbled_signature_header_is_rejected()
    {
        WebhookVerdict verdict = await this.Handler(ClockAt(KrwCheckout)).HandleAsync(SampleBytes(KrwCheckout), "sha256 deadbeef", Ct);

        Assert.Equal(WebhookVerdict.Rejected("malformed signature header"), verdict);
    }

    [Fact]
    public async Task Body_over_one_mebibyte_is_rejected_even_when_correctly_signed()
    {
        byte[] sample = SampleBytes(KrwCheckout);
        int close = Array.LastIndexOf(sample, (byte)'}');
        byte[] body = [.. sample[..close], .. Enumerable.Repeat((byte)' ', (1024 * 1024) + 1 - sample.Length), .. sample[close..]];
        Assert.Equal((1024 * 1024) + 1, body.Length);
        (long t, _) = SignatureFor(KrwCheckout);

        WebhookVerdict verdict = await this.Handler(ClockAt(KrwCheckout)).HandleAsync(body, Sign(body, t), Ct);

        Assert.Equal(WebhookVerdict.Rejected("body too large"), verdict);
    }

    [Fact]
    public async Task Invalid_utf8_is_rejected_even_when_correctly_signed()
    {
        byte[] body = SampleBytes(KrwCheckout);
        body[IndexOf(body, "김민지"u8)] = 0xFF;   // never valid in UTF-8
        (long t, _) = SignatureFor(KrwCheckout);

        WebhookVerdict verdict = await this.Handler(ClockAt(KrwCheckout)).HandleAsync(body, Sign(body, t), Ct);

        Assert.Equal(WebhookVerdict.Rejected("body is not valid UTF-8"), verdict);
    }

    [Theory]
    [InlineData("{\"id\": \"evt_1\", \"object\": \"event\", ")]
    [InlineData("[1, 2, 3]")]
    public async Task Correctly_signed_body_that_is_not_an_event_object_is_rejected_as_malformed_json(string json)
    {
        byte[] body = Encoding.UTF8.GetBytes(json);
        (long t, _) = SignatureFor(KrwCheckout);

        WebhookVerdict verdict = await this.Handler(ClockAt(KrwCheckout)).HandleAsync(body, Sign(body, t), Ct);

        Assert.Equal(WebhookVerdict.Rejected("malformed JSON"), verdict);
    }

    // ---- ignored: genuine, nothing to do ----

    [Fact]
    public async Task Unknown_event_type_is_ignored()
    {
        (long t, _) = SignatureFor(KrwCheckout);
        JsonNode json = JsonNode.Parse($$"""
            {
              "id": "evt_1R2kAaExampleCUS0001", "object": "event", "api_version": "2024-06-20", "created": {{t}},
              "data": { "object": { "id": "cus_R2kAaExample0001", "object": "customer", "email": "minji.kim@example.com" } },
              "livemode": false, "pending_webhooks": 1, "request": { "id": null, "idempotency_key": null },
              "type": "customer.created"
            }
            """)!;

        WebhookVerdict verdict = await this.HandleSignedAsync(json);

        Assert.Equal(WebhookVerdict.Ignored("event type not handled"), verdict);
    }

    [Fact]
    public async Task Checkout_completed_but_unpaid_is_ignored_until_the_payment_arrives()
    {
        JsonNode json = Sample(KrwCheckout);
        json["data"]!["object"]!["payment_status"] = "unpaid";

        WebhookVerdict verdict = await this.HandleSignedAsync(json);

        Assert.Equal(WebhookVerdict.Ignored("awaiting payment"), verdict);
    }

    [Fact]
    public async Task Delayed_payment_that_succeeds_later_is_a_purchase()
    {
        JsonNode json = Sample(KrwCheckout);
        json["type"] = "checkout.session.async_payment_succeeded";

        WebhookVerdict verdict = await this.HandleSignedAsync(json);

        Assert.Equal(VerdictKind.Purchase, verdict.Kind);
        Assert.Equal(KrwPaymentId, verdict.Purchase!.PaymentId);
        Assert.Equal("minji.kim@example.com", verdict.Purchase.Buyer.Email);
    }

    // ---- shaping the purchase ----

    [Fact]
    public async Task Locale_chosen_in_checkout_wins_over_the_currency_guess()
    {
        JsonNode json = Sample(KrwCheckout);
        json["data"]!["object"]!["locale"] = "en";
        json["data"]!["object"]!["metadata"]!["utm_source"] = "instagram";

        WebhookVerdict verdict = await this.HandleSignedAsync(json);

        Assert.Equal("en", verdict.Purchase!.Buyer.Locale);
        Assert.Equal("UTC", verdict.Purchase.Buyer.TimeZone);
        Assert.Equal("₩39,000", verdict.Purchase.Amount.Format(verdict.Purchase.Buyer.Locale));
        Assert.Equal("instagram", verdict.Purchase.Channel);
    }

    [Fact]
    public async Task Session_without_product_metadata_gets_the_product_from_its_line_items()
    {
        await using LocalHttpServer api = await StartFakeStripeAsync((path, query) =>
            path == $"/v1/checkout/sessions/{KrwSessionId}/line_items" && query.ContainsKey("limit") ? LineItemsJson() : null);
        JsonNode json = Sample(KrwCheckout);
        json["data"]!["object"]!["metadata"] = new JsonObject();

        WebhookVerdict verdict = await this.HandleSignedAsync(json, api.BaseUrl);

        Purchase p = verdict.Purchase!;
        Assert.Equal("prod_RkNotionPackV2", p.Sku);
        Assert.Equal(ProductNameKo, p.ProductName);
        Assert.Equal("minji.kim@example.com", p.Buyer.Email);
        RecordedRequest request = Assert.Single(api.Requests);
        Assert.Equal("GET", request.Method);
    }

    [Fact]
    public async Task Session_without_product_metadata_and_without_an_api_key_goes_on_with_an_unknown_product()
    {
        JsonNode json = Sample(KrwCheckout);
        json["data"]!["object"]!["metadata"] = new JsonObject();

        WebhookVerdict verdict = await this.HandleSignedAsync(json, apiBase: null);

        Assert.Equal(VerdictKind.Purchase, verdict.Kind);
        Assert.Null(verdict.Purchase!.Sku);
        Assert.Equal("", verdict.Purchase.ProductName);
        Assert.Equal("minji.kim@example.com", verdict.Purchase.Buyer.Email);
    }

    [Fact]
    public async Task Payment_intent_event_finds_its_checkout_session_and_matches_the_checkout_purchase()
    {
        await using LocalHttpServer api = await StartFakeStripeAsync((path, query) =>
            path == "/v1/checkout/sessions" && query.GetValueOrDefault("payment_intent") == KrwPaymentId
                ? ListJson("/v1/checkout/sessions", SessionObject())
                : null);

        WebhookVerdict fromIntent = await this.HandleSampleAsync(KrwPaymentIntent, api.BaseUrl);
        WebhookVerdict fromCheckout = await this.HandleSampleAsync(KrwCheckout);

        Assert.Equal(VerdictKind.Purchase, fromIntent.Kind);
        Purchase p = fromIntent.Purchase!;
        Assert.Equal(fromCheckout.Purchase!.PaymentId, p.PaymentId);   // one payment, one journey
        Assert.Equal(KrwPaymentId, p.PaymentId);
        Assert.Equal("ord_20250314_0001", p.OrderReference);
        Assert.Equal(new Buyer("minji.kim@example.com", "김민지", "ko", "Asia/Seoul"), p.Buyer);
        Assert.Equal("notion-automation-pack-v2", p.Sku);
        Assert.Equal(Money.Of(39000, "KRW"), p.Amount);
        Assert.Single(api.Requests);
    }

    [Fact]
    public async Task Payment_intent_without_a_checkout_session_takes_the_buyer_from_its_latest_charge()
    {
        await using LocalHttpServer api = await StartFakeStripeAsync((path, query) => path switch
        {
            "/v1/checkout/sessions" when query.GetValueOrDefault("payment_intent") == KrwPaymentId => ListJson("/v1/checkout/sessions"),
            $"/v1/charges/{KrwChargeId}" => ChargeObject().ToJsonString(Relaxed),
            _ => null,
        });

        WebhookVerdict verdict = await this.HandleSampleAsync(KrwPaymentIntent, api.BaseUrl);

        Purchase p = verdict.Purchase!;
        Assert.Equal(KrwPaymentId, p.PaymentId);
        Assert.Equal(new Buyer("minji.kim@example.com", "김민지", "ko", "Asia/Seoul"), p.Buyer);
        Assert.Equal(Money.Of(39000, "KRW"), p.Amount);   // amount_received
        Assert.Equal(DateTimeOffset.Parse("2025-03-14T12:07:41Z", CultureInfo.InvariantCulture), p.PaidAt);   // the charge's created
        Assert.Null(p.Sku);
        Assert.Equal("", p.ProductName);   // the PI names no product: the journey asks the seller to review
        Assert.Equal(["/v1/checkout/sessions", $"/v1/charges/{KrwChargeId}"], api.Requests.Select(r => r.PathAndQuery.Split('?')[0]));
    }

    [Fact]
    public async Task Payment_intent_without_an_api_key_or_buyer_is_ignored_so_the_checkout_event_starts_the_journey()
    {
        // Stripe sends payment_intent.succeeded about a second before checkout.session.completed. Without a key
        // the intent cannot name its buyer; if it claimed the journey, the complete Checkout event would be a duplicate.
        WebhookVerdict verdict = await this.HandleSampleAsync(KrwPaymentIntent, apiBase: null);

        Assert.Equal(VerdictKind.Ignored, verdict.Kind);
        Assert.Contains("Stripe:ApiKey", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stripe_api_outage_throws_so_the_door_answers_5xx_and_stripe_redelivers()
    {
        await using LocalHttpServer api = await LocalHttpServer.StartAsync(async (_, context) =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"error":{"type":"api_error","message":"Something went wrong on Stripe's end."}}""", Ct);
        });

        await Assert.ThrowsAsync<StripeException>(() => this.HandleSampleAsync(KrwPaymentIntent, api.BaseUrl));
        Assert.NotEmpty(api.Requests);
    }

    // ---- helpers ----

    private StripeWebhookHandler Handler(TimeProvider clock, string? apiBase = null, string secret = Secret)
    {
        StripeOptions options = new()
        {
            WebhookSecret = secret,
            ApiKey = apiBase is null ? null : ApiKey,
            // Without a key nothing may be called; an unroutable base makes any stray call fail loudly.
            ApiBase = apiBase ?? "http://127.0.0.1:9",
        };
        return new StripeWebhookHandler(Options.Create(options), StripeWebhookHandler.CreateStripeClient(options, this.http),
            clock, NullLogger<StripeWebhookHandler>.Instance);
    }

    private Task<WebhookVerdict> HandleSampleAsync(string file, string? apiBase = null) =>
        this.Handler(ClockAt(file), apiBase).HandleAsync(SampleBytes(file), SignatureFor(file).Header, Ct);

    /// <summary>A rewritten sample, signed at the sample's own timestamp the way Stripe signs.</summary>
    private Task<WebhookVerdict> HandleSignedAsync(JsonNode json, string? apiBase = null)
    {
        long t = json["created"]!.GetValue<long>();
        byte[] body = Encoding.UTF8.GetBytes(json.ToJsonString(Relaxed));
        return this.Handler(new FakeTimeProvider(At(t)), apiBase).HandleAsync(body, Sign(body, t), Ct);
    }

    private static byte[] SampleBytes(string file) => File.ReadAllBytes(Path.Combine(SamplesDir, file));

    private static JsonNode Sample(string file) => JsonNode.Parse(SampleBytes(file))!;

    private static (long T, string Header) SignatureFor(string file)
    {
        string[] row = File.ReadAllLines(Path.Combine(SamplesDir, "stripe-signatures.txt"))
            .Where(line => !line.StartsWith('#'))
            .Select(line => line.Split('\t'))
            .Single(cells => cells[0] == file);
        return (long.Parse(row[1], CultureInfo.InvariantCulture), row[2]);
    }

    private static FakeTimeProvider ClockAt(string file) => new(At(SignatureFor(file).T));

    private static DateTimeOffset At(long unixSeconds) => DateTimeOffset.FromUnixTimeSeconds(unixSeconds);

    /// <summary>Stripe's scheme over the exact bytes: t=…,v1=hex(HMAC-SHA256(secret, "{t}.{body}")).</summary>
    private static string Sign(byte[] body, long t, string secret = Secret)
    {
        byte[] signed = [.. Encoding.UTF8.GetBytes(t.ToString(CultureInfo.InvariantCulture) + "."), .. body];
        string v1 = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
        return $"t={t},v1={v1}";
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle)
    {
        int at = haystack.AsSpan().IndexOf(needle);
        Assert.True(at >= 0, "marker not found in the sample");
        return at;
    }

    /// <summary>
    /// Stripe's API as Stripe.net meets it: Bearer secret key or 401, JSON lists and objects, 404 with
    /// Stripe's error shape for anything the test did not expect.
    /// </summary>
    private static Task<LocalHttpServer> StartFakeStripeAsync(Func<string, Dictionary<string, Microsoft.Extensions.Primitives.StringValues>, string?> answer) =>
        LocalHttpServer.StartAsync(async (request, context) =>
        {
            context.Response.ContentType = "application/json";
            if (!request.Headers.TryGetValue("Authorization", out string? auth) || auth != $"Bearer {ApiKey}")
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await context.Response.WriteAsync("""{"error":{"type":"invalid_request_error","message":"Invalid API Key provided."}}""", Ct);
                return;
            }

            string? json = request.Method == "GET" && request.Body.Length == 0
                ? answer(context.Request.Path.Value ?? "", QueryHelpers.ParseQuery(context.Request.QueryString.Value))
                : null;
            if (json is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                await context.Response.WriteAsync(
                    $$$"""{"error":{"type":"invalid_request_error","message":"Unrecognized request URL ({{{request.Method}}}: {{{context.Request.Path}}})."}}""", Ct);
                return;
            }

            await context.Response.WriteAsync(json, Ct);
        });

    private static string ListJson(string url, params JsonNode[] items) =>
        new JsonObject { ["object"] = "list", ["url"] = url, ["has_more"] = false, ["data"] = new JsonArray(items) }.ToJsonString(Relaxed);

    private static JsonNode SessionObject() => Sample(KrwCheckout)["data"]!["object"]!.DeepClone();

    /// <summary>The sale's charge as GET /v1/charges/{id} returns it before the refund.</summary>
    private static JsonNode ChargeObject()
    {
        JsonNode charge = Sample(KrwRefund)["data"]!["object"]!.DeepClone();
        charge["amount_refunded"] = 0;
        charge["refunded"] = false;
        return charge;
    }

    private static string LineItemsJson() => ListJson(
        $"/v1/checkout/sessions/{KrwSessionId}/line_items",
        JsonNode.Parse($$"""
            {
              "id": "li_1R2kAaExampleKRW0001", "object": "item",
              "amount_discount": 0, "amount_subtotal": 39000, "amount_tax": 0, "amount_total": 39000,
              "currency": "krw", "description": "{{ProductNameKo}}",
              "price": {
                "id": "price_1R2kAaExampleKRW0001", "object": "price", "active": true, "billing_scheme": "per_unit",
                "created": 1741900000, "currency": "krw", "custom_unit_amount": null, "livemode": false,
                "lookup_key": null, "metadata": {}, "nickname": null, "product": "prod_RkNotionPackV2",
                "recurring": null, "tax_behavior": "unspecified", "tiers_mode": null, "transform_quantity": null,
                "type": "one_time", "unit_amount": 39000, "unit_amount_decimal": "39000"
              },
              "quantity": 1
            }
            """)!);
}
