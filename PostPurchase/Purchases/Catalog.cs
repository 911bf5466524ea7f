using System.Globalization;
using System.Text;

namespace PostPurchase.Purchases;

public sealed record ProductLink(string Label, string Url);

/// <summary>The seller's texts for one product in one language.</summary>
public sealed record ProductCopy(
    string Name,
    IReadOnlyList<ProductLink> AccessLinks,
    IReadOnlyList<string> HowToUse,
    string RefundPolicyUrl,
    string FaqUrl);

public sealed record NextProductOffer(string Sku, string Name, string Url, string Pitch);

/// <summary>One product as the seller describes it in catalog.json.</summary>
public sealed record Product(
    string Sku,
    string DefaultLocale,
    IReadOnlyDictionary<string, ProductCopy> Copy,
    string? PdfFile,
    IReadOnlyDictionary<string, NextProductOffer>? NextProduct)
{
    public ProductCopy CopyFor(string locale) =>
        this.Copy.TryGetValue(Locales.Normalize(locale), out ProductCopy? copy) ? copy
        : this.Copy.TryGetValue(this.DefaultLocale, out copy) ? copy
        : this.Copy.Values.First();

    public NextProductOffer? OfferFor(string locale) =>
        this.NextProduct is null ? null
        : this.NextProduct.TryGetValue(Locales.Normalize(locale), out NextProductOffer? offer) ? offer
        : this.NextProduct.Values.FirstOrDefault();
}

/// <param name="OfferConsent">
/// "explicit" (default): offers only to buyers who opted in at checkout. "purchase": the purchase itself counts
/// (Korea's existing-customer exception for similar goods, CAN-SPAM's opt-out rule); the opt-out link still works.
/// </param>
/// <param name="Locale">Language of mails to the seller (alerts when Slack is unreachable); default Korean.</param>
public sealed record Seller(string Name, string ContactEmail, string? Address, string? OfferConsent = null, string? Locale = null)
{
    public bool OffersNeedExplicitConsent => !string.Equals(this.OfferConsent?.Trim(), "purchase", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The seller's products. Matched by SKU first, then by a normalized name in any language.</summary>
public sealed class Catalog(Seller seller, IReadOnlyList<Product> products, string? folder = null)
{
    public Seller Seller { get; } = seller;

    /// <summary>The folder catalog.json lives in; product PDFs are named relative to it.</summary>
    public string Folder { get; } = folder ?? AppContext.BaseDirectory;

    public IReadOnlyList<Product> Products { get; } = products;

    public Product? Find(string? sku, string? name)
    {
        if (!string.IsNullOrWhiteSpace(sku)
            && this.Products.FirstOrDefault(p => string.Equals(p.Sku, sku.Trim(), StringComparison.OrdinalIgnoreCase)) is { } bySku)
        {
            return bySku;
        }

        if (string.IsNullOrWhiteSpace(name))
        {
            return null;
        }

        string wanted = NormalizeName(name);
        return this.Products.FirstOrDefault(p => p.Copy.Values.Any(c => NormalizeName(c.Name) == wanted))
            // Receipts append qualifiers such as "(디지털 다운로드)"; a name that starts with the product's name matches.
            ?? this.Products.FirstOrDefault(p => p.Copy.Values.Any(c => wanted.StartsWith(NormalizeName(c.Name), StringComparison.Ordinal)));
    }

    /// <summary>Lower case, NFC, letters and digits only: "노션 업무-자동화" and "노션업무 자동화" match.</summary>
    public static string NormalizeName(string name)
    {
        StringBuilder sb = new(name.Length);
        foreach (char c in name.Normalize(NormalizationForm.FormC))
        {
            if (char.IsLetterOrDigit(c))
            {
                sb.Append(char.ToLower(c, CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }
}
