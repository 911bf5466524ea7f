using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PostPurchase.Infrastructure;
using PostPurchase.Purchases;
using Stripe;
using Stripe.Checkout;
using Refund = PostPurchase.Purchases.Refund;

namespace PostPurchase.Webhooks;

/// <summary>
/// Turns one Stripe webhook delivery into a verdict: verified on the exact bytes with Stripe.net, then
/// read from Stripe.net's typed objects (the 2024-06-20 payloads parse into Session, PaymentIntent and
/// Charge with every field used here; unknown fields are skipped). Missing facts are looked up through
/// the Stripe API when a key is configured; a failing API call throws, so the door answers 5xx and
/// Stripe redelivers.
/// </summary>
public sealed partial class StripeWebhookHandler(
    IOptions<StripeOptions> options, IStripeClient stripe, TimeProvider time, ILogger<StripeWebhookHandler> logger)
{
    public const string Provider = "stripe";

    /// <summary>Stripe events are a few KiB; anything near this is not one of ours.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The client the composition root registers: the seller's secret key (none → no look-ups), the
    /// configured API base, and an <see cref="HttpClient"/> from DI. One SDK retry only: Stripe itself
    /// redelivers the webhook for three days, so long in-request retry chains buy nothing.
    /// </summary>
    public static StripeClient CreateStripeClient(StripeOptions options, HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new StripeClient(
            apiKey: string.IsNullOrWhiteSpace(options.ApiKey) ? null : options.ApiKey.Trim(),
            httpClient: new SystemNetHttpClient(http, maxNetworkRetries: 1, enableTelemetry: false),
            apiBase: options.ApiBase.TrimEnd('/'));
    }

    public async Task<WebhookVerdict> HandleAsync(ReadOnlyMemory<byte> body, string? signatureHeader, CancellationToken ct)
    {
        (Event? stripeEvent, string? rejection) = this.Verify(body, signatureHeader);
        if (stripeEvent is null)
        {
            LogRejected(logger, rejection!);
            return WebhookVerdict.Rejected(rejection!);
        }

        return await this.ToVerdictAsync(stripeEvent, ct);
    }

    /// <summary>
    /// The verdict for a verified event: one that came signed to the webhook, or one the reconciliation
    /// built from a payment listed through the Stripe API (same path, so both start the same journey).
    /// </summary>
    public async Task<WebhookVerdict> ToVerdictAsync(Event stripeEvent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(stripeEvent);
        WebhookVerdict verdict = stripeEvent.Type switch
        {
            EventTypes.CheckoutSessionCompleted or EventTypes.CheckoutSessionAsyncPaymentSucceeded =>
                stripeEvent.Data?.Object is Session session
                    ? await this.FromSessionAsync(stripeEvent, session, ct)
                    : WebhookVerdict.Rejected("unexpected event object"),
            EventTypes.PaymentIntentSucceeded =>
                stripeEvent.Data?.Object is PaymentIntent intent
                    ? await this.FromPaymentIntentAsync(stripeEvent, intent, ct)
                    : WebhookVerdict.Rejected("unexpected event object"),
            EventTypes.ChargeRefunded =>
                stripeEvent.Data?.Object is Charge charge
                    ? FromRefundedCharge(stripeEvent, charge)
                    : WebhookVerdict.Rejected("unexpected event object"),
            _ => WebhookVerdict.Ignored("event type not handled"),
        };

        switch (verdict.Kind)
        {
            case VerdictKind.Rejected:
                LogRejected(logger, verdict.Reason);
                break;
            case VerdictKind.Ignored:
                LogIgnored(logger, stripeEvent.Id, stripeEvent.Type, verdict.Reason);
                break;
            default:
                LogAccepted(logger, stripeEvent.Id, stripeEvent.Type, verdict.Purchase?.PaymentId ?? verdict.Refund?.PaymentId);
                break;
        }

        return verdict;
    }

    private (Event? Event, string? Rejection) Verify(ReadOnlyMemory<byte> body, string? signatureHeader)
    {
        // The door caps the body too; checked here so the handler is safe on its own.
        if (body.Length > MaxBodyBytes)
        {
            return (null, "body too large");
        }

        if (string.IsNullOrWhiteSpace(signatureHeader))
        {
            return (null, "missing signature header");
        }

        string json;
        try
        {
            // Strict: a lenient decode would swap bad bytes for U+FFFD and sign different bytes than were sent.
            json = StrictUtf8.GetString(body.Span);
        }
        catch (DecoderFallbackException)
        {
            return (null, "body is not valid UTF-8");
        }

        StripeOptions o = options.Value;
        try
        {
            // utcNow comes from the TimeProvider so tests can move the clock. The version check is off:
            // Stripe.net expects its own pinned API version, the account sends its default (2024-06-20 in
            // the samples), and every field read below exists in both.
            Event stripeEvent = EventUtility.ConstructEvent(json, signatureHeader, o.WebhookSecret,
                o.ToleranceSeconds, time.GetUtcNow().ToUnixTimeSeconds(), throwOnApiVersionMismatch: false);
            return string.IsNullOrEmpty(stripeEvent.Type) ? (null, "not a Stripe event") : (stripeEvent, null);
        }
        catch (StripeException ex)
        {
            return (null, SignatureFailure(ex.Message));
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            return (null, "malformed signature header");   // a "t=" that is not a number
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return (null, "malformed JSON");   // signed, but not a JSON object Stripe.net can read
        }
        catch (ArgumentException)
        {
            return (null, "not a snapshot event");   // a v2 "thin" event notification sent to this endpoint
        }
    }

    // Stripe.net reports every signature problem as StripeException; its messages are the only way to tell
    // them apart. They are mapped to fixed phrases so nothing from the library reaches the caller.
    private static string SignatureFailure(string message) =>
        message.Contains("tolerance", StringComparison.OrdinalIgnoreCase) ? "timestamp outside tolerance"
        : message.Contains("format", StringComparison.OrdinalIgnoreCase) ? "malformed signature header"
        : "bad signature";

    private async Task<WebhookVerdict> FromSessionAsync(Event stripeEvent, Session session, CancellationToken ct)
    {
        if (session.PaymentStatus != "paid")
        {
            // "unpaid": a delayed method (bank transfer…); checkout.session.async_payment_succeeded follows.
            return WebhookVerdict.Ignored(session.PaymentStatus == "no_payment_required" ? "no payment required" : "awaiting payment");
        }

        if (string.IsNullOrEmpty(session.PaymentIntentId))
        {
            return WebhookVerdict.Ignored("no payment intent");   // subscription-mode sessions pay through invoices
        }

        if (string.IsNullOrEmpty(session.Currency))
        {
            return WebhookVerdict.Rejected("a paid session without a currency");
        }

        Money amount = Money.Of(session.AmountTotal ?? 0, session.Currency);   // minor units: 39000 KRW stays 39000
        return WebhookVerdict.ForPurchase(
            await this.PurchaseFromSessionAsync(stripeEvent, session, session.PaymentIntentId, amount, ct));
    }

    private async Task<WebhookVerdict> FromPaymentIntentAsync(Event stripeEvent, PaymentIntent intent, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(intent.Currency))
        {
            return WebhookVerdict.Rejected("unexpected event object");
        }

        Money amount = Money.Of(intent.AmountReceived, intent.Currency);
        if (!this.CanLookUp(stripeEvent, "buyer and product"))
        {
            // Without a key the intent cannot name its buyer. Claiming the journey with it would turn the complete
            // checkout.session.completed that follows into a duplicate, so only an intent with a receipt e-mail goes on.
            return string.IsNullOrWhiteSpace(intent.ReceiptEmail)
                ? WebhookVerdict.Ignored("payment intent carries no buyer; the Checkout event does (set Stripe:ApiKey to read it)")
                : WebhookVerdict.ForPurchase(PurchaseFromIntent(stripeEvent, intent, amount, charge: null));
        }

        // A PaymentIntent carries no buyer. When Checkout made it, its Session has everything, and the
        // Purchase then equals the one from checkout.session.completed (same PaymentId: the pi_ id).
        StripeList<Session> sessions = await new SessionService(stripe).ListAsync(
            new SessionListOptions { PaymentIntent = intent.Id, Limit = 1 }, cancellationToken: ct);
        if (sessions.Data?.FirstOrDefault() is { } session)
        {
            return WebhookVerdict.ForPurchase(await this.PurchaseFromSessionAsync(stripeEvent, session, intent.Id, amount, ct));
        }

        // Paid without Checkout (Payment Element, API): the latest charge has the billing details.
        Charge? charge = string.IsNullOrEmpty(intent.LatestChargeId)
            ? null
            : await new ChargeService(stripe).GetAsync(intent.LatestChargeId, cancellationToken: ct);
        return WebhookVerdict.ForPurchase(PurchaseFromIntent(stripeEvent, intent, amount, charge));
    }

    private static WebhookVerdict FromRefundedCharge(Event stripeEvent, Charge charge)
    {
        if (string.IsNullOrEmpty(charge.Currency))
        {
            return WebhookVerdict.Rejected("unexpected event object");
        }

        // A partial refund (amount_refunded < amount) is a Refund too: the journey stops on any refund,
        // and the amount tells the seller what was returned.
        return WebhookVerdict.ForRefund(new Refund(
            Provider,
            PaymentId: charge.PaymentIntentId ?? charge.Id,   // the pi_ id the journey was started with
            Amount: Money.Of(charge.AmountRefunded, charge.Currency),
            RefundedAt: Utc(stripeEvent.Created),
            BuyerEmail: NullIfBlank(charge.BillingDetails?.Email) ?? NullIfBlank(charge.ReceiptEmail)));
    }

    private async Task<Purchase> PurchaseFromSessionAsync(Event stripeEvent, Session session, string paymentId, Money amount, CancellationToken ct)
    {
        Dictionary<string, string>? metadata = session.Metadata;
        string? sku = Meta(metadata, "product_sku", "sku");
        string? productName = Meta(metadata, "product_name");
        if (sku is null && productName is null && this.CanLookUp(stripeEvent, "line items"))
        {
            // A Session has no line items unless expanded; the first item names the product.
            StripeList<LineItem> items = await new SessionLineItemService(stripe).ListAsync(
                session.Id, new SessionLineItemListOptions { Limit = 1 }, cancellationToken: ct);
            LineItem? first = items.Data?.FirstOrDefault();
            sku = NullIfBlank(first?.Price?.ProductId);
            productName = NullIfBlank(first?.Description);
        }

        string locale = LocaleFor(session.Locale, amount.Currency, session.CustomerDetails?.Address?.Country);
        return new Purchase(
            Provider,
            paymentId,
            OrderReference: NullIfBlank(session.ClientReferenceId) ?? session.Id,
            new Buyer(
                NullIfBlank(session.CustomerDetails?.Email) ?? NullIfBlank(session.CustomerEmail),
                NullIfBlank(session.CustomerDetails?.Name),
                locale,
                TimeZoneFor(locale)),
            sku,
            productName ?? "",
            amount,
            PaidAt: Utc(stripeEvent.Created),   // a Session has no paid-at; the event is seconds after the charge
            Channel: Meta(metadata, "utm_source", "channel") ?? Provider,
            MarketingConsent: ConsentFrom(session.Consent?.Promotions, metadata, Utc(stripeEvent.Created)));
    }

    /// <summary>
    /// Advertising consent the buyer gave while paying: Checkout's promotions box (consent_collection.promotions=auto)
    /// or the seller's own form passing metadata marketing_consent=true. Anything else is no consent.
    /// </summary>
    internal static MarketingConsent? ConsentFrom(string? checkoutPromotions, Dictionary<string, string>? metadata, DateTimeOffset at)
    {
        if (string.Equals(checkoutPromotions, "opt_in", StringComparison.OrdinalIgnoreCase))
        {
            return new MarketingConsent(MarketingConsent.StripeCheckout, at);
        }

        return Meta(metadata, "marketing_consent")?.ToUpperInvariant() is "TRUE" or "YES" or "Y" or "1" or "OPT_IN"
            ? new MarketingConsent(MarketingConsent.StripeMetadata, at)
            : null;
    }

    private static Purchase PurchaseFromIntent(Event stripeEvent, PaymentIntent intent, Money amount, Charge? charge)
    {
        Dictionary<string, string>? metadata = intent.Metadata;
        string locale = LocaleFor(null, amount.Currency, charge?.BillingDetails?.Address?.Country);
        return new Purchase(
            Provider,
            intent.Id,
            OrderReference: null,
            new Buyer(
                NullIfBlank(charge?.BillingDetails?.Email) ?? NullIfBlank(charge?.ReceiptEmail) ?? NullIfBlank(intent.ReceiptEmail),
                NullIfBlank(charge?.BillingDetails?.Name),
                locale,
                TimeZoneFor(locale)),
            Meta(metadata, "product_sku", "sku"),
            Meta(metadata, "product_name") ?? "",   // unknown product: the journey marks the order needs-review
            amount,
            PaidAt: charge is null ? Utc(stripeEvent.Created) : Utc(charge.Created),
            Channel: Meta(metadata, "utm_source", "channel") ?? Provider,
            MarketingConsent: ConsentFrom(null, metadata, Utc(stripeEvent.Created)));
    }

    private bool CanLookUp(Event stripeEvent, string what)
    {
        if (!string.IsNullOrWhiteSpace(options.Value.ApiKey))
        {
            return true;
        }

        // Without a key the Purchase goes out with what the event carries; the journey flags the gaps.
        LogNoApiKey(logger, stripeEvent.Id, what);
        return false;
    }

    /// <summary>Checkout's own locale when the buyer or seller chose one; "auto" or none → guessed from currency and country.</summary>
    private static string LocaleFor(string? checkoutLocale, string currency, string? country)
    {
        if (!string.IsNullOrWhiteSpace(checkoutLocale) && !checkoutLocale.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return checkoutLocale;
        }

        return currency == "KRW" || string.Equals(country, "KR", StringComparison.OrdinalIgnoreCase) ? Locales.Korean : Locales.English;
    }

    // Deliberately coarse: Korean buyers get Seoul time, everyone else UTC, until a seller overrides it.
    private static string TimeZoneFor(string locale) => Locales.IsKorean(locale) ? "Asia/Seoul" : "UTC";

    private static string? Meta(Dictionary<string, string>? metadata, params string[] keys)
    {
        if (metadata is null)
        {
            return null;
        }

        foreach (string key in keys)
        {
            if (metadata.TryGetValue(key, out string? value) && !string.IsNullOrWhiteSpace(value))
            {
                return value.Trim();
            }
        }

        return null;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    // Stripe.net turns unix seconds into a DateTime of kind Utc; make the offset explicit.
    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stripe webhook rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stripe event {EventId} ({EventType}) ignored: {Reason}")]
    private static partial void LogIgnored(ILogger logger, string eventId, string eventType, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stripe event {EventId} ({EventType}) accepted for payment {PaymentId}")]
    private static partial void LogAccepted(ILogger logger, string eventId, string eventType, string? paymentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stripe event {EventId}: no Stripe:ApiKey, so {What} cannot be looked up; the order goes on without them")]
    private static partial void LogNoApiKey(ILogger logger, string eventId, string what);
}
