namespace PostPurchase.Purchases;

/// <summary>
/// The buyer's agreement to receive advertising (the next-product offer): where it came from and when.
/// Sources: "stripe-checkout" (Checkout's consent_collection promotions box ticked), "stripe-metadata"
/// (the seller's own form set metadata marketing_consent=true), "existing-customer" (the seller's catalog
/// says offerConsent: purchase, relying on the purchase itself; see README "Marketing consent").
/// </summary>
public sealed record MarketingConsent(string Source, DateTimeOffset At)
{
    public const string StripeCheckout = "stripe-checkout";
    public const string StripeMetadata = "stripe-metadata";
    public const string ExistingCustomer = "existing-customer";
}
