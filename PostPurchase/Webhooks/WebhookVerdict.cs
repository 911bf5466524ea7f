using PostPurchase.Purchases;

namespace PostPurchase.Webhooks;

public enum VerdictKind
{
    /// <summary>Not provably from the provider (signature, size, encoding): the door answers 400.</summary>
    Rejected,

    /// <summary>Genuine but nothing to do (other event types, unpaid sessions): 2xx so the provider stops retrying.</summary>
    Ignored,

    Purchase,
    Refund,
}

/// <summary>
/// What a provider handler concluded about one delivery. <see cref="Reason"/> is a fixed short phrase,
/// safe to return in a 400 body and to log: it never carries PII or provider error text.
/// </summary>
public sealed record WebhookVerdict(VerdictKind Kind, string Reason, Purchase? Purchase = null, Refund? Refund = null)
{
    public static WebhookVerdict Rejected(string reason) => new(VerdictKind.Rejected, reason);

    public static WebhookVerdict Ignored(string reason) => new(VerdictKind.Ignored, reason);

    public static WebhookVerdict ForPurchase(Purchase purchase)
    {
        ArgumentNullException.ThrowIfNull(purchase);
        return new(VerdictKind.Purchase, "purchase", Purchase: purchase);
    }

    public static WebhookVerdict ForRefund(Refund refund)
    {
        ArgumentNullException.ThrowIfNull(refund);
        return new(VerdictKind.Refund, "refund", Refund: refund);
    }
}
