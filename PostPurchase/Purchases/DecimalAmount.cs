using System.Globalization;

namespace PostPurchase.Purchases;

/// <summary>
/// Turns a provider's decimal amount string ("29.00", "1000", "39,000원") into exact minor units. Done on the
/// digits, never through floating point: "0.29" must be 29 cents, not 28.999….
/// </summary>
public static class DecimalAmount
{
    /// <summary>
    /// "29.00" USD → 2900; "1000" JPY → 1000; "1000" HUF → 100000 (ISO minor unit). Null when the text is not a plain
    /// non-negative decimal, or carries more significant decimals than the currency has ("100.5" JPY, "1.005" USD).
    /// </summary>
    public static Money? ToMoney(string? value, string? currency)
    {
        if (string.IsNullOrWhiteSpace(value) || string.IsNullOrWhiteSpace(currency) || currency.Trim().Length != 3)
        {
            return null;
        }

        Money unit = Money.Of(0, currency.Trim());
        string text = value.Trim();
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        string whole = dot < 0 ? text : text[..dot];
        string fraction = dot < 0 ? "" : text[(dot + 1)..];
        if (whole.Length is 0 or > 15 || !whole.All(char.IsAsciiDigit) || !fraction.All(char.IsAsciiDigit) || (dot >= 0 && fraction.Length == 0))
        {
            return null;
        }

        // Trailing zeros beyond the currency's decimals are only notation ("1000.00" JPY); anything else would be rounding.
        string significant = fraction.TrimEnd('0');
        if (significant.Length > unit.Decimals)
        {
            return null;
        }

        string minorDigits = whole + significant.PadRight(unit.Decimals, '0');
        return long.TryParse(minorDigits, NumberStyles.None, CultureInfo.InvariantCulture, out long minor)
            ? unit with { Minor = minor }
            : null;
    }

    /// <summary>
    /// An amount as a Korean receipt writes it: "39,000원", "₩39,000", "39,000 KRW", "$29.00", "29.00 USD".
    /// Won when nothing else is named (Korean notices state 원 or nothing).
    /// </summary>
    public static Money? FromReceipt(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        string t = text.Trim();
        string currency = t.Contains('$', StringComparison.Ordinal) || t.Contains("USD", StringComparison.OrdinalIgnoreCase) ? "USD"
            : t.Contains('€', StringComparison.Ordinal) || t.Contains("EUR", StringComparison.OrdinalIgnoreCase) ? "EUR"
            : t.Contains('¥', StringComparison.Ordinal) || t.Contains("JPY", StringComparison.OrdinalIgnoreCase) || t.Contains('円', StringComparison.Ordinal) ? "JPY"
            : "KRW";

        // The first number in the text, with its thousands separators dropped.
        int start = -1;
        for (int i = 0; i < t.Length; i++)
        {
            if (char.IsAsciiDigit(t[i]))
            {
                start = i;
                break;
            }
        }

        if (start < 0)
        {
            return null;
        }

        int end = start;
        while (end < t.Length && (char.IsAsciiDigit(t[end]) || t[end] is ',' or '.'))
        {
            end++;
        }

        string number = t[start..end].Replace(",", "", StringComparison.Ordinal).TrimEnd('.');
        return ToMoney(number, currency);
    }
}
