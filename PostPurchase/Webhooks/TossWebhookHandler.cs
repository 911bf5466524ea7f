using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PostPurchase.Crm;
using PostPurchase.Infrastructure;
using PostPurchase.Journey;
using PostPurchase.Notifications;
using PostPurchase.Purchases;

namespace PostPurchase.Webhooks;

/// <summary>
/// Toss Payments' PAYMENT_STATUS_CHANGED webhook. Toss does not sign it, so the body is only a hint: the payment is
/// re-read with GET /v1/payments/{paymentKey} and the seller's secret key, and what the API says is acted on. A body
/// the API does not confirm (unknown payment, or a different order id, amount or currency) is forged: rejected, and
/// the seller hears of it. Because the API's current state decides, an ABORTED or duplicate delivery that arrives after
/// DONE cannot undo a paid order: a DONE payment only ever yields the same Purchase, which the starter dedupes.
/// </summary>
public sealed partial class TossWebhookHandler(
    IOptions<TossOptions> options, IHttpClientFactory httpFactory, CustomerRepository crm, SellerNotices notices,
    TimeProvider time, ILogger<TossWebhookHandler> logger)
{
    public const string Provider = "toss";
    public const string HttpClientName = "toss";
    public const int MaxBodyBytes = 256 * 1024;

    /// <summary>Toss writes createdAt without an offset; it is Korea Standard Time, which has no daylight saving.</summary>
    public static readonly TimeSpan SeoulOffset = TimeSpan.FromHours(9);

    private const int MaxPaymentKeyLength = 200;

    public async Task<WebhookVerdict> HandleAsync(ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        if (body.Length > MaxBodyBytes)
        {
            return Reject("body too large");
        }

        JsonDocument hint;
        try
        {
            hint = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return Reject("malformed JSON");
        }

        using (hint)
        {
            JsonElement root = hint.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Reject("malformed JSON");
            }

            string? eventType = Str(root, "eventType");
            if (eventType != "PAYMENT_STATUS_CHANGED")
            {
                // Payout, seller, deposit callbacks: nothing a post-purchase journey acts on.
                return WebhookVerdict.Ignored("event type not handled");
            }

            if (!root.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.Object
                || Str(data, "paymentKey") is not { Length: <= MaxPaymentKeyLength } paymentKey)
            {
                return Reject("no payment in the event");
            }

            if (string.IsNullOrWhiteSpace(options.Value.SecretKey))
            {
                return Reject("Toss:SecretKey is not configured, so the payment cannot be confirmed");
            }

            DateTimeOffset? eventTime = SeoulTime(Str(root, "createdAt"));
            TossLookup lookup = await this.FetchAsync(paymentKey, ct);
            if (lookup.Refusal is { } refusal)
            {
                await this.AlertAsync(paymentKey, "toss-key-refused", "Toss refused the secret key: a Toss webhook could not be confirmed. Check Toss:SecretKey.", refusal, ct);
                return Reject(refusal);
            }

            if (lookup.Payment is not { } payment)
            {
                await this.AlertForgedAsync(paymentKey, "payment not found at Toss", ct);
                return Reject("payment not found at Toss");
            }

            using (payment)
            {
                JsonElement confirmed = payment.RootElement;
                if (!Matches(data, confirmed))
                {
                    await this.AlertForgedAsync(paymentKey, "order id, amount or currency differ from Toss", ct);
                    return Reject("does not match the payment at Toss");
                }

                string? status = Str(confirmed, "status");
                string hintStatus = Str(data, "status") ?? "-";
                LogConfirmed(logger, paymentKey, hintStatus, status ?? "-");
                return status switch
                {
                    "DONE" => await this.PurchaseAsync(confirmed, paymentKey, eventTime, ct),
                    "CANCELED" or "PARTIAL_CANCELED" => this.Refund(confirmed, paymentKey, eventTime),
                    // READY, IN_PROGRESS, WAITING_FOR_DEPOSIT, ABORTED, EXPIRED: nothing was paid, and nothing paid is undone.
                    _ => WebhookVerdict.Ignored("payment not completed"),
                };
            }
        }
    }

    /// <summary>
    /// Reconciliation: the paymentKeys of DONE transactions since <paramref name="since"/>, from GET /v1/transactions
    /// (dates in Seoul time without an offset, paged by startingAfter = the last transactionKey). Empty when no key is set.
    /// </summary>
    public async Task<IReadOnlyList<string>> ListPaidSinceAsync(DateTimeOffset since, CancellationToken ct)
    {
        TossOptions o = options.Value;
        if (string.IsNullOrWhiteSpace(o.SecretKey))
        {
            return [];
        }

        const int PageSize = 100;
        string Seoul(DateTimeOffset t) => t.ToOffset(SeoulOffset).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        string range = $"startDate={Seoul(since)}&endDate={Seoul(time.GetUtcNow())}&limit={PageSize}";
        List<string> paid = [];
        string? after = null;
        for (int page = 0; page < 1000; page++)   // 100,000 transactions: a bound, not a limit a seller reaches in a lookback
        {
            string query = after is null ? range : $"{range}&startingAfter={Uri.EscapeDataString(after)}";
            using JsonDocument list = await this.GetAsync($"/v1/transactions?{query}", ct)
                ?? throw new HttpRequestException("Toss refused the transaction list.");
            if (list.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new HttpRequestException("Toss answered the transaction list with something other than a list.");
            }

            int count = 0;
            foreach (JsonElement transaction in list.RootElement.EnumerateArray())
            {
                count++;
                after = Str(transaction, "transactionKey") ?? after;
                if (Str(transaction, "status") == "DONE" && Str(transaction, "paymentKey") is { Length: <= MaxPaymentKeyLength } key && !paid.Contains(key))
                {
                    paid.Add(key);
                }
            }

            if (count < PageSize || after is null)
            {
                break;
            }
        }

        return paid;
    }

    /// <summary>Reconciliation: the Purchase of one payment as the Toss API reports it now (no webhook body to compare).</summary>
    public async Task<WebhookVerdict> ConfirmAsync(string paymentKey, CancellationToken ct)
    {
        TossLookup lookup = await this.FetchAsync(paymentKey, ct);
        if (lookup.Payment is not { } payment)
        {
            return WebhookVerdict.Ignored(lookup.Refusal ?? "payment not found at Toss");
        }

        using (payment)
        {
            return Str(payment.RootElement, "status") == "DONE"
                ? await this.PurchaseAsync(payment.RootElement, paymentKey, null, ct)
                : WebhookVerdict.Ignored("payment not completed");
        }
    }

    /// <summary>A Toss time: with its offset when it has one, else read as Seoul time (createdAt is written without one).</summary>
    public static DateTimeOffset? SeoulTime(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        string text = value.Trim();
        if (HasOffset().IsMatch(text))
        {
            return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset withOffset) ? withOffset : null;
        }

        return DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime local)
            ? new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), SeoulOffset)
            : null;
    }

    private async Task<TossLookup> FetchAsync(string paymentKey, CancellationToken ct)
    {
        using HttpResponseMessage response = await this.SendAsync($"/v1/payments/{Uri.EscapeDataString(paymentKey)}", ct);
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                byte[] json = await response.Content.ReadAsByteArrayAsync(ct);
                JsonDocument doc = JsonDocument.Parse(json);
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    doc.Dispose();
                    throw new HttpRequestException("Toss answered 200 with something other than a Payment object.");
                }

                return new TossLookup(doc, null);
            case HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.Forbidden:
                // NOT_FOUND_PAYMENT, an invalid key format, or another shop's payment: not ours, whatever the body says.
                return new TossLookup(null, null);
            case HttpStatusCode.Unauthorized:
                return new TossLookup(null, "Toss refused the secret key");
            default:
                // 429 / 5xx: the door answers 5xx and Toss redelivers (7 times over 3 days).
                throw new HttpRequestException($"Toss answered {(int)response.StatusCode} to a payment look-up.", null, response.StatusCode);
        }
    }

    /// <summary>An authenticated GET; 401 means Toss refused the secret key.</summary>
    private async Task<HttpResponseMessage> SendAsync(string pathAndQuery, CancellationToken ct)
    {
        TossOptions o = options.Value;
        HttpClient http = httpFactory.CreateClient(HttpClientName);
        using HttpRequestMessage request = new(HttpMethod.Get, $"{o.ApiBase.TrimEnd('/')}{pathAndQuery}");

        // Toss's scheme: Basic base64("{secretKey}:"), the key as user name and an empty password.
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(o.SecretKey!.Trim() + ":")));
        return await http.SendAsync(request, ct);
    }

    /// <summary>The JSON of a 200 answer; null for 401/403; other statuses throw so the caller's next run retries.</summary>
    private async Task<JsonDocument?> GetAsync(string pathAndQuery, CancellationToken ct)
    {
        using HttpResponseMessage response = await this.SendAsync(pathAndQuery, ct);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return null;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"Toss answered {(int)response.StatusCode} to a transaction list.", null, response.StatusCode);
        }

        return JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(ct));
    }

    // The hint must agree with Toss on what identifies the sale; everything else is taken from the API only.
    private static bool Matches(JsonElement hint, JsonElement confirmed) =>
        Str(hint, "orderId") is { } orderId && orderId == Str(confirmed, "orderId")
        && Num(hint, "totalAmount") is { } amount && amount == Num(confirmed, "totalAmount")
        && string.Equals(Str(hint, "currency") ?? "KRW", Str(confirmed, "currency") ?? "KRW", StringComparison.OrdinalIgnoreCase);

    private async Task<WebhookVerdict> PurchaseAsync(JsonElement p, string paymentKey, DateTimeOffset? eventTime, CancellationToken ct)
    {
        string currency = (Str(p, "currency") ?? "KRW").ToUpperInvariant();
        if (Num(p, "totalAmount") is not { } total || DecimalAmount.ToMoney(total.ToString(CultureInfo.InvariantCulture), currency) is not { } amount)
        {
            return Reject("payment has no usable amount");
        }

        JsonElement metadata = p.TryGetProperty("metadata", out JsonElement m) && m.ValueKind == JsonValueKind.Object ? m : default;
        string? orderId = Str(p, "orderId");
        string? email = Email(Meta(metadata, "buyerEmail", "buyer_email", "email"));
        string? name = Meta(metadata, "buyerName", "buyer_name", "name");
        string? sku = Meta(metadata, "sku", "product_sku");
        if ((email is null || name is null || sku is null) && orderId is not null)
        {
            // The Payment object names no buyer; the seller's checkout may have told us who is paying for this order.
            ExpectedOrder? expected = await crm.GetExpectedOrderAsync(orderId, ct);
            email ??= Email(expected?.BuyerEmail);
            name ??= expected?.BuyerName;
            sku ??= expected?.Sku;
        }

        string locale = currency == "KRW" || string.Equals(Str(p, "country"), "KR", StringComparison.OrdinalIgnoreCase) ? Locales.Korean : Locales.English;
        DateTimeOffset paidAt = SeoulTime(Str(p, "approvedAt")) ?? eventTime ?? SeoulTime(Str(p, "requestedAt")) ?? time.GetUtcNow().ToOffset(SeoulOffset);
        return WebhookVerdict.ForPurchase(new Purchase(
            Provider,
            paymentKey,
            orderId,
            new Buyer(email, name, locale, Locales.IsKorean(locale) ? "Asia/Seoul" : "UTC"),
            sku,
            Str(p, "orderName") ?? "",
            amount,
            paidAt,
            Channel: Meta(metadata, "utm_source", "channel") ?? Provider));
    }

    private WebhookVerdict Refund(JsonElement p, string paymentKey, DateTimeOffset? eventTime)
    {
        string currency = (Str(p, "currency") ?? "KRW").ToUpperInvariant();
        decimal refunded = 0;
        DateTimeOffset? lastCancel = null;
        if (p.TryGetProperty("cancels", out JsonElement cancels) && cancels.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement cancel in cancels.EnumerateArray())
            {
                refunded += Num(cancel, "cancelAmount") ?? 0;
                lastCancel = SeoulTime(Str(cancel, "canceledAt")) ?? lastCancel;
            }
        }

        if (refunded == 0 && Num(p, "totalAmount") is { } total && Num(p, "balanceAmount") is { } balance)
        {
            refunded = total - balance;
        }

        Money amount = DecimalAmount.ToMoney(refunded.ToString(CultureInfo.InvariantCulture), currency) ?? Money.Of(0, currency);
        JsonElement metadata = p.TryGetProperty("metadata", out JsonElement m) && m.ValueKind == JsonValueKind.Object ? m : default;
        return WebhookVerdict.ForRefund(new Refund(
            Provider,
            paymentKey,
            amount,
            lastCancel ?? eventTime ?? time.GetUtcNow().ToOffset(SeoulOffset),
            Email(Meta(metadata, "buyerEmail", "buyer_email", "email"))));
    }

    private Task AlertForgedAsync(string paymentKey, string reason, CancellationToken ct) =>
        this.AlertAsync(paymentKey, "toss-forged-webhook", "A Toss webhook did not match Toss's own records and was rejected; no mail was sent.", reason, ct);

    private Task AlertAsync(string paymentKey, string step, string headline, string reason, CancellationToken ct) =>
        notices.PostOnceAsync(new SlackAlert(
            $"{JourneyIds.For(Provider, paymentKey)}:{step}",
            headline,
            [new SlackField("Payment key", paymentKey), new SlackField("Why", reason)]), ct);

    private WebhookVerdict Reject(string reason)
    {
        LogRejected(logger, reason);
        return WebhookVerdict.Rejected(reason);
    }

    /// <summary>A non-blank string property; null for missing, null, empty, or another JSON type (Toss fills many fields with null).</summary>
    private static string? Str(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String
        && v.GetString() is { } s && !string.IsNullOrWhiteSpace(s) ? s.Trim() : null;

    private static decimal? Num(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number
        && v.TryGetDecimal(out decimal d) ? d : null;

    private static string? Meta(JsonElement metadata, params string[] keys) =>
        keys.Select(k => Str(metadata, k)).FirstOrDefault(v => v is not null);

    private static string? Email(string? value) =>
        value is not null && System.Net.Mail.MailAddress.TryCreate(value, out System.Net.Mail.MailAddress? address) && address.Address == value ? value : null;

    [GeneratedRegex(@"(Z|[+-]\d{2}:?\d{2})$", RegexOptions.IgnoreCase)]
    private static partial Regex HasOffset();

    [LoggerMessage(Level = LogLevel.Information, Message = "Toss payment {PaymentKey}: webhook said {HintStatus}, Toss says {Status}")]
    private static partial void LogConfirmed(ILogger logger, string paymentKey, string hintStatus, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Toss webhook rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);

    private sealed record TossLookup(JsonDocument? Payment, string? Refusal);
}
