using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PostPurchase.Crm;
using PostPurchase.Infrastructure;
using PostPurchase.Purchases;

namespace PostPurchase.Webhooks;

/// <summary>The PAYPAL-* headers of one delivery, as the door read them.</summary>
public sealed record PayPalTransmission(string? AuthAlgo, string? CertUrl, string? TransmissionId, string? TransmissionSig, string? TransmissionTime)
{
    public bool IsComplete =>
        !string.IsNullOrWhiteSpace(this.AuthAlgo) && !string.IsNullOrWhiteSpace(this.CertUrl) && !string.IsNullOrWhiteSpace(this.TransmissionId)
        && !string.IsNullOrWhiteSpace(this.TransmissionSig) && !string.IsNullOrWhiteSpace(this.TransmissionTime);
}

/// <summary>
/// PayPal webhooks: every delivery is verified by PayPal itself (POST /v1/notifications/verify-webhook-signature) with
/// the delivered bytes spliced in verbatim as webhook_event; re-serialising the event changes its bytes and makes a
/// genuine event fail. PAYMENT.CAPTURE.COMPLETED starts a journey (the capture names no payer, so its order is read
/// for the buyer); PAYMENT.CAPTURE.REFUNDED and .REVERSED stop it.
/// </summary>
public sealed partial class PayPalWebhookHandler(
    IOptions<PayPalOptions> options, IHttpClientFactory httpFactory, CustomerRepository crm, TimeProvider time, ILogger<PayPalWebhookHandler> logger)
{
    public const string Provider = "paypal";
    public const string HttpClientName = "paypal";
    public const int MaxBodyBytes = 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // Base64 signatures keep their '+' and '/' readable; JSON-wise either spelling is the same string.
    private static readonly JsonSerializerOptions HeadJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private AccessToken? token;

    public async Task<WebhookVerdict> HandleAsync(ReadOnlyMemory<byte> body, PayPalTransmission transmission, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(transmission);
        if (body.Length > MaxBodyBytes)
        {
            return this.Reject("body too large");
        }

        PayPalOptions o = options.Value;
        if (string.IsNullOrWhiteSpace(o.ClientId) || string.IsNullOrWhiteSpace(o.ClientSecret) || string.IsNullOrWhiteSpace(o.WebhookId))
        {
            return this.Reject("PayPal:ClientId, ClientSecret and WebhookId must be configured to verify PayPal webhooks");
        }

        if (!transmission.IsComplete)
        {
            return this.Reject("missing PayPal transmission headers");
        }

        JsonDocument doc;
        try
        {
            StrictUtf8.GetCharCount(body.Span);
            doc = JsonDocument.Parse(body);
        }
        catch (Exception ex) when (ex is DecoderFallbackException or JsonException)
        {
            return this.Reject("malformed JSON");
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return this.Reject("malformed JSON");
            }

            if (await this.VerifyAsync(body, transmission, ct) is { } failure)
            {
                return this.Reject(failure);
            }

            JsonElement root = doc.RootElement;
            JsonElement resource = root.TryGetProperty("resource", out JsonElement r) && r.ValueKind == JsonValueKind.Object ? r : default;
            string eventType = Str(root, "event_type") ?? "";
            string eventId = Str(root, "id") ?? "-";
            LogVerified(logger, eventId, eventType);
            return eventType switch
            {
                "PAYMENT.CAPTURE.COMPLETED" => await this.PurchaseAsync(resource, ct),
                "PAYMENT.CAPTURE.REFUNDED" or "PAYMENT.CAPTURE.REVERSED" => Refund(resource),
                _ => WebhookVerdict.Ignored("event type not handled"),
            };
        }
    }

    /// <summary>
    /// The verification request body: PayPal's fields, then the delivered bytes exactly as received, spliced in as
    /// the value of webhook_event.
    /// </summary>
    public static byte[] VerificationBody(ReadOnlySpan<byte> rawEvent, PayPalTransmission transmission, string webhookId)
    {
        ArgumentNullException.ThrowIfNull(transmission);
        byte[] head = JsonSerializer.SerializeToUtf8Bytes(new SortedDictionary<string, string?>(StringComparer.Ordinal)
        {
            ["auth_algo"] = transmission.AuthAlgo,
            ["cert_url"] = transmission.CertUrl,
            ["transmission_id"] = transmission.TransmissionId,
            ["transmission_sig"] = transmission.TransmissionSig,
            ["transmission_time"] = transmission.TransmissionTime,
            ["webhook_id"] = webhookId,
        }, HeadJson);
        byte[] property = ",\"webhook_event\":"u8.ToArray();
        return [.. head.AsSpan(0, head.Length - 1), .. property, .. rawEvent, (byte)'}'];
    }

    private async Task<string?> VerifyAsync(ReadOnlyMemory<byte> body, PayPalTransmission transmission, CancellationToken ct)
    {
        PayPalOptions o = options.Value;
        byte[] request = VerificationBody(body.Span, transmission, o.WebhookId!.Trim());
        for (int attempt = 1; ; attempt++)
        {
            if (await this.GetTokenAsync(ct) is not { } bearer)
            {
                return "PayPal refused the client credentials";
            }

            using HttpRequestMessage message = new(HttpMethod.Post, $"{o.ApiBase.TrimEnd('/')}/v1/notifications/verify-webhook-signature")
            {
                Content = new ByteArrayContent(request),
            };
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            using HttpResponseMessage response = await httpFactory.CreateClient(HttpClientName).SendAsync(message, ct);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 1)
            {
                this.token = null;   // expired or revoked early: one fresh token, then give up
                continue;
            }

            if (response.IsSuccessStatusCode)
            {
                using JsonDocument answer = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(ct));
                return Str(answer.RootElement, "verification_status") == "SUCCESS" ? null : "bad signature";
            }

            if ((int)response.StatusCode is >= 400 and < 500 and not 429)
            {
                return "bad signature";   // PayPal could not even read the transmission: not a genuine delivery
            }

            throw new HttpRequestException($"PayPal answered {(int)response.StatusCode} to a signature verification.", null, response.StatusCode);
        }
    }

    private async Task<string?> GetTokenAsync(CancellationToken ct)
    {
        if (this.token is { } cached && cached.ExpiresAt > time.GetUtcNow())
        {
            return cached.Value;
        }

        PayPalOptions o = options.Value;
        using HttpRequestMessage request = new(HttpMethod.Post, $"{o.ApiBase.TrimEnd('/')}/v1/oauth2/token")
        {
            Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{o.ClientId!.Trim()}:{o.ClientSecret!.Trim()}")));
        using HttpResponseMessage response = await httpFactory.CreateClient(HttpClientName).SendAsync(request, ct);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.BadRequest or HttpStatusCode.Forbidden)
        {
            LogCredentialsRefused(logger, (int)response.StatusCode);
            return null;
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"PayPal answered {(int)response.StatusCode} to a token request.", null, response.StatusCode);
        }

        using JsonDocument answer = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(ct));
        string value = Str(answer.RootElement, "access_token") ?? throw new HttpRequestException("PayPal's token answer has no access_token.");
        int lifetime = answer.RootElement.TryGetProperty("expires_in", out JsonElement e) && e.TryGetInt32(out int s) ? s : 300;

        // Renewed a minute early, so a token never expires between this check and PayPal reading it.
        this.token = new AccessToken(value, time.GetUtcNow().AddSeconds(Math.Max(0, lifetime - 60)));
        return value;
    }

    private async Task<WebhookVerdict> PurchaseAsync(JsonElement capture, CancellationToken ct)
    {
        if (Str(capture, "id") is not { } captureId || Amount(capture) is not { } amount)
        {
            return this.Reject("capture has no id or amount");
        }

        string? orderId = capture.TryGetProperty("supplementary_data", out JsonElement sup) && sup.TryGetProperty("related_ids", out JsonElement ids)
            ? Str(ids, "order_id") : null;
        string? invoiceId = Str(capture, "invoice_id");

        // A capture carries only the payee: the order it belongs to names the payer and the items.
        JsonElement? order = orderId is null ? null : await this.GetOrderAsync(orderId, ct);
        JsonElement payer = order is { } o && o.TryGetProperty("payer", out JsonElement pr) && pr.ValueKind == JsonValueKind.Object ? pr : default;
        JsonElement item = order is { } withItems && FirstItem(withItems) is { } first ? first : default;

        string? email = Email(Str(payer, "email_address"));
        string? name = payer.ValueKind == JsonValueKind.Object && payer.TryGetProperty("name", out JsonElement n)
            ? string.Join(' ', new[] { Str(n, "given_name"), Str(n, "surname") }.Where(x => x is not null)) is { Length: > 0 } full ? full : Str(n, "full_name")
            : null;
        string? sku = Str(capture, "custom_id") ?? Str(item, "sku");
        if ((email is null || sku is null) && invoiceId is not null && await crm.GetExpectedOrderAsync(invoiceId, ct) is { } expected)
        {
            email ??= Email(expected.BuyerEmail);
            name ??= expected.BuyerName;
            sku ??= expected.Sku;
        }

        string? country = payer.ValueKind == JsonValueKind.Object && payer.TryGetProperty("address", out JsonElement address) ? Str(address, "country_code") : null;
        string locale = string.Equals(country, "KR", StringComparison.OrdinalIgnoreCase) ? Locales.Korean : Locales.English;
        DateTimeOffset paidAt = Time(Str(capture, "create_time")) ?? time.GetUtcNow();
        return WebhookVerdict.ForPurchase(new Purchase(
            Provider,
            captureId,
            OrderReference: invoiceId ?? orderId,
            new Buyer(email, name, locale, Locales.IsKorean(locale) ? "Asia/Seoul" : "UTC"),
            sku,
            Str(item, "name") ?? "",
            amount,
            paidAt,
            Channel: Provider));
    }

    private WebhookVerdict Refund(JsonElement refund)
    {
        // A refund resource links "up" to its capture: the payment id the journey was started with.
        string? captureId = null;
        if (refund.ValueKind == JsonValueKind.Object && refund.TryGetProperty("links", out JsonElement links) && links.ValueKind == JsonValueKind.Array)
        {
            captureId = links.EnumerateArray()
                .Where(l => Str(l, "rel") == "up" && Str(l, "href") is { } href && href.Contains("/captures/", StringComparison.Ordinal))
                .Select(l => Str(l, "href")!.TrimEnd('/').Split('/')[^1])
                .FirstOrDefault();
        }

        if (captureId is null || Amount(refund) is not { } amount)
        {
            return WebhookVerdict.Ignored("refund names no capture");
        }

        return WebhookVerdict.ForRefund(new Refund(Provider, captureId, amount, Time(Str(refund, "create_time")) ?? time.GetUtcNow(), BuyerEmail: null));
    }

    private async Task<JsonElement?> GetOrderAsync(string orderId, CancellationToken ct)
    {
        if (await this.GetTokenAsync(ct) is not { } bearer)
        {
            return null;
        }

        using HttpRequestMessage request = new(HttpMethod.Get, $"{options.Value.ApiBase.TrimEnd('/')}/v2/checkout/orders/{Uri.EscapeDataString(orderId)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using HttpResponseMessage response = await httpFactory.CreateClient(HttpClientName).SendAsync(request, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;   // an order made elsewhere (invoicing, another app): the journey flags the missing buyer
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"PayPal answered {(int)response.StatusCode} to an order look-up.", null, response.StatusCode);
        }

        using JsonDocument doc = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(ct));
        return doc.RootElement.Clone();
    }

    private static JsonElement? FirstItem(JsonElement order)
    {
        if (!order.TryGetProperty("purchase_units", out JsonElement units) || units.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (JsonElement unit in units.EnumerateArray())
        {
            if (unit.TryGetProperty("items", out JsonElement items) && items.ValueKind == JsonValueKind.Array && items.GetArrayLength() > 0)
            {
                return items[0];
            }
        }

        return null;
    }

    private static Money? Amount(JsonElement resource) =>
        resource.ValueKind == JsonValueKind.Object && resource.TryGetProperty("amount", out JsonElement amount)
            ? DecimalAmount.ToMoney(Str(amount, "value"), Str(amount, "currency_code"))
            : null;

    private static DateTimeOffset? Time(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset t) ? t : null;

    private static string? Str(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String
        && v.GetString() is { } s && !string.IsNullOrWhiteSpace(s) ? s.Trim() : null;

    private static string? Email(string? value) =>
        value is not null && System.Net.Mail.MailAddress.TryCreate(value, out System.Net.Mail.MailAddress? address) && address.Address == value ? value : null;

    private WebhookVerdict Reject(string reason)
    {
        LogRejected(logger, reason);
        return WebhookVerdict.Rejected(reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "PayPal event {EventId} ({EventType}) verified")]
    private static partial void LogVerified(ILogger logger, string eventId, string eventType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "PayPal webhook rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "PayPal refused the client credentials ({Status}); check PayPal:ClientId and PayPal:ClientSecret")]
    private static partial void LogCredentialsRefused(ILogger logger, int status);

    private sealed record AccessToken(string Value, DateTimeOffset ExpiresAt);
}
