using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using PostPurchase.Purchases;

namespace PostPurchase.Webhooks;

/// <summary>
/// The secondary identity of a sale, for sources whose ids differ (a Toss webhook's paymentKey and the paymentKey
/// printed in the seller's notice mail need not agree; a Stripe event and a forwarded receipt share no id at all):
/// same buyer e-mail, same product, same amount, paid within minutes, seen through different sources.
/// </summary>
/// <remarks>
/// "Within minutes" is made insert-only and race-safe with two grids of <see cref="Window"/>-wide time cells, the
/// second offset by half a window. Two payment times less than half a window apart always fall in one cell of at
/// least one grid (the grids' boundaries alternate every half window), so claiming both cells of a purchase with
/// insert-only rows makes exactly one of two simultaneous sources win. The keys are hashes: no e-mail in a table key.
/// </remarks>
public static class PurchaseMatch
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(20);

    /// <summary>Which door saw the sale: a provider's API/webhook, or its notice mail (the inbound-mail channels).</summary>
    public static string SourceOf(Purchase purchase)
    {
        ArgumentNullException.ThrowIfNull(purchase);
        return purchase.Channel is "email" or "forwarded-email" ? $"{purchase.Provider}:mail" : purchase.Provider;
    }

    /// <summary>The two cell keys of a purchase, or none when it lacks a buyer e-mail or a product to match on.</summary>
    public static IReadOnlyList<string> KeysFor(Purchase purchase, Catalog? catalog)
    {
        ArgumentNullException.ThrowIfNull(purchase);
        string? email = purchase.Buyer.Email?.Trim().ToLowerInvariant();
        string? product = catalog?.Find(purchase.Sku, purchase.ProductName)?.Sku
            ?? (string.IsNullOrWhiteSpace(purchase.ProductName) ? null : "name:" + Catalog.NormalizeName(purchase.ProductName))
            ?? (string.IsNullOrWhiteSpace(purchase.Sku) ? null : "sku:" + purchase.Sku.Trim().ToLowerInvariant());
        if (string.IsNullOrEmpty(email) || string.IsNullOrEmpty(product))
        {
            return [];
        }

        long ticks = purchase.PaidAt.UtcTicks;
        long width = Window.Ticks;
        string sale = $"{email}|{product}|{purchase.Amount.Minor.ToString(CultureInfo.InvariantCulture)}|{purchase.Amount.Currency}";
        return
        [
            Hash($"{sale}|a|{(ticks / width).ToString(CultureInfo.InvariantCulture)}"),
            Hash($"{sale}|b|{((ticks + (width / 2)) / width).ToString(CultureInfo.InvariantCulture)}"),
        ];
    }

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
}
