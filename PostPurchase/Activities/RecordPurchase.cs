using PostPurchase.Crm;
using PostPurchase.Journey;
using PostPurchase.Purchases;

namespace PostPurchase.Activities;

/// <summary>Writes the buyer and order into the CRM and says whether the journey may mail the buyer.</summary>
public sealed class RecordPurchase(CustomerRepository crm, Catalog catalog)
{
    public async Task<PurchaseRecorded> RunAsync(JourneyInput input, CancellationToken cancellationToken)
    {
        Purchase p = input.Purchase;
        Product? product = catalog.Find(p.Sku, p.ProductName);
        // A malformed address (two addresses, a line break) is as good as none: it would fail every mail step.
        bool hasEmail = BuyerEmail.IsDeliverable(p.Buyer.Email);
        OrderRecord order = OrderFor(input.InstanceId, p, product);
        string status = order.Status;
        await crm.UpsertOrderAsync(order, cancellationToken);
        await crm.MarkStepAsync(input.InstanceId, nameof(RecordPurchase), status, null, cancellationToken);

        // Consent given at checkout, or the seller's policy that the purchase itself allows offers; none → no offer.
        MarketingConsent? consent = p.MarketingConsent
            ?? (catalog.Seller.OffersNeedExplicitConsent ? null : new MarketingConsent(MarketingConsent.ExistingCustomer, p.PaidAt));
        if (consent is not null)
        {
            await crm.RecordMarketingConsentAsync(input.InstanceId, consent, cancellationToken);
            await crm.MarkStepAsync(input.InstanceId, "marketing-consent", consent.Source, null, cancellationToken);
        }

        return new PurchaseRecorded(product is not null, hasEmail, p.Amount.IsPlausible);
    }

    /// <summary>The CRM's order row for a purchase: also written for a purchase whose refund came first, with no journey.</summary>
    public static OrderRecord OrderFor(string instanceId, Purchase p, Product? product)
    {
        string status = product is null || !p.Amount.IsPlausible ? OrderStatus.NeedsReview : BuyerEmail.IsDeliverable(p.Buyer.Email) ? OrderStatus.Active : OrderStatus.NeedsBuyerEmail;
        List<string> tags = [$"provider:{p.Provider}", $"locale:{Locales.Normalize(p.Buyer.Locale)}", $"channel:{p.Channel}"];
        tags.Add(product is null ? "unknown-product" : $"product:{product.Sku}");
        return new OrderRecord
        {
            InstanceId = instanceId,
            Provider = p.Provider,
            PaymentId = p.PaymentId,
            OrderReference = p.OrderReference,
            BuyerEmail = p.Buyer.Email,
            BuyerName = p.Buyer.Name,
            Locale = Locales.Normalize(p.Buyer.Locale),
            Sku = product?.Sku ?? p.Sku,
            ProductName = product?.CopyFor(p.Buyer.Locale).Name ?? p.ProductName,
            AmountMinor = p.Amount.Minor,
            Currency = p.Amount.Currency,
            PaidAt = p.PaidAt,
            Channel = p.Channel,
            Status = status,
            Tags = tags,
        };
    }
}
