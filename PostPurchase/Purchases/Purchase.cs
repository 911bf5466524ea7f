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
    MarketingConsent? MarketingConsent = null)
{
    /// <summary>
    /// The same purchase with every free-text field cut to a length a CRM row, a mail and a Slack alert can hold: a
    /// signed event with a 200,000-character name is still a sale, and must not fail its journey's first step.
    /// </summary>
    public Purchase Clamped() => this with
    {
        OrderReference = Cut(this.OrderReference, 200),
        Buyer = this.Buyer with { Email = Cut(this.Buyer.Email, 320), Name = Cut(this.Buyer.Name, 200), Locale = Cut(this.Buyer.Locale, 35)!, TimeZone = Cut(this.Buyer.TimeZone, 64)! },
        Sku = Cut(this.Sku, 200),
        ProductName = Cut(this.ProductName, 300)!,
        Channel = Cut(this.Channel, 100)!,
    };

    private static string? Cut(string? text, int max) =>
        text is null || text.Length <= max ? text : text[..(char.IsHighSurrogate(text[max - 1]) ? max - 1 : max)] + "…";
}

/// <summary>Money returned to the buyer: the journey for <see cref="PaymentId"/> stops.</summary>
public sealed record Refund(string Provider, string PaymentId, Money Amount, DateTimeOffset RefundedAt, string? BuyerEmail);
