using System.Globalization;

namespace PostPurchase.Purchases;

/// <summary>An amount in the currency's minor unit (KRW and JPY have none: 39000 KRW is ₩39,000).</summary>
public sealed record Money(long Minor, string Currency)
{
    // ISO 4217 currencies whose minor unit is the major unit (Stripe's "zero-decimal" list, the common ones).
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    };

    public static Money Of(long minor, string currency)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(currency);
        return new Money(minor, currency.ToUpperInvariant());
    }

    private static readonly HashSet<string> ThreeDecimal = new(StringComparer.OrdinalIgnoreCase) { "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND" };

    /// <summary>A sale's amount: not negative, in a currency code shaped like ISO 4217 (three letters).</summary>
    public bool IsPlausible => this.Minor >= 0 && this.Currency.Length == 3 && this.Currency.All(char.IsAsciiLetterUpper);

    public int Decimals => ZeroDecimal.Contains(this.Currency) ? 0 : ThreeDecimal.Contains(this.Currency) ? 3 : 2;

    public decimal Major => this.Minor / this.Decimals switch { 0 => 1m, 3 => 1000m, _ => 100m };

    /// <summary>Formats for a buyer: Korean mail shows won as "39,000원", everything else with the symbol.</summary>
    public string Format(string locale)
    {
        string number = this.Major.ToString("N" + this.Decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        if (this.Currency == "KRW")
        {
            return Locales.IsKorean(locale) ? $"{number}원" : $"₩{number}";
        }

        return this.Currency switch
        {
            "USD" => $"${number}",
            "EUR" => $"€{number}",
            "GBP" => $"£{number}",
            "JPY" => $"¥{number}",
            _ => $"{number} {this.Currency}",
        };
    }

    public override string ToString() => $"{this.Minor} {this.Currency}";
}
