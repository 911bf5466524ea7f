namespace PostPurchase.Purchases;

/// <summary>Who paid. E-mail is null when the source does not carry it (masked receipts, bare payments).</summary>
public sealed record Buyer(string? Email, string? Name, string Locale, string TimeZone = "Asia/Seoul");

/// <summary>
/// One paid order, normalized from whichever provider reported it. <see cref="PaymentId"/> is the
/// provider's id of the money movement (Stripe: the PaymentIntent), the journey's dedupe key.
/// </summary>
public sealed record Purchase(
    string Provider,
    string PaymentId,
    string? OrderReference,
    Buyer Buyer,
    string? Sku,
    string ProductName,
    Money Amount,
    DateTimeOffset PaidAt,
    string Channel,
    MarketingConsent? MarketingConsent = null);

/// <summary>Money returned to the buyer: the journey for <see cref="PaymentId"/> stops.</summary>
public sealed record Refund(string Provider, string PaymentId, Money Amount, DateTimeOffset RefundedAt, string? BuyerEmail);
