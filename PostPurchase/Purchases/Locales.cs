namespace PostPurchase.Purchases;

/// <summary>The two languages the mails and pages speak; anything not Korean gets English.</summary>
public static class Locales
{
    public const string Korean = "ko";
    public const string English = "en";

    public static bool IsKorean(string? locale) =>
        locale is not null && locale.StartsWith(Korean, StringComparison.OrdinalIgnoreCase);

    public static string Normalize(string? locale) => IsKorean(locale) ? Korean : English;
}
