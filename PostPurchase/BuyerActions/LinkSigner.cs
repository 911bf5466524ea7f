using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PostPurchase.Infrastructure;

namespace PostPurchase.BuyerActions;

public enum LinkPurpose
{
    Survey,
    Access,
    Unsubscribe,

    /// <summary>A tracked link to one of the seller's own pages (value: <see cref="RedirectTarget"/>), through /api/go/.</summary>
    Redirect,

    /// <summary>The product's PDF as a download (value: expiry in Unix minutes), through /api/files/.</summary>
    File,

    /// <summary>Where the next page of the seller's order list starts (instance: the store's own page token, base64url).</summary>
    OrdersPage,

    /// <summary>Where the next page of the seller's customer list starts.</summary>
    CustomersPage,
}

/// <summary>Which seller page a <see cref="LinkPurpose.Redirect"/> link opens.</summary>
public enum RedirectTarget
{
    RefundPolicy = 0,
    Faq = 1,
    Offer = 2,
}

/// <summary>What a signed link says: which journey, what for, and a small number (score or access-link index).</summary>
public sealed record LinkClaim(LinkPurpose Purpose, string InstanceId, int Value);

/// <summary>
/// Signs the links in buyer mails. A token is base64url("{purpose}|{instance}|{value}") + "." + a 128-bit
/// HMAC-SHA256 tag, so a guessed or altered token (another order, another score) fails verification.
/// </summary>
public sealed class LinkSigner(IOptions<LinksOptions> options)
{
    private const int MaxTokenLength = 600;
    private const int TagBytes = 16;
    private readonly byte[] key = Encoding.UTF8.GetBytes(options.Value.SigningKey);
    private readonly string baseUrl = options.Value.BaseUrl.TrimEnd('/');

    public string Sign(LinkClaim claim)
    {
        byte[] payload = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"{PurposeCode(claim.Purpose)}|{claim.InstanceId}|{claim.Value}"));
        return $"{Base64Url.EncodeToString(payload)}.{Base64Url.EncodeToString(this.Tag(payload))}";
    }

    /// <summary>The absolute URL a buyer clicks: /api/survey/…, /api/go/…, /api/unsubscribe/… or /api/files/….</summary>
    public string Url(LinkClaim claim) => claim.Purpose switch
    {
        LinkPurpose.Survey => $"{this.baseUrl}/api/survey/{this.Sign(claim)}",
        LinkPurpose.Access or LinkPurpose.Redirect => $"{this.baseUrl}/api/go/{this.Sign(claim)}",
        LinkPurpose.File => $"{this.baseUrl}/api/files/{this.Sign(claim)}",
        _ => $"{this.baseUrl}/api/unsubscribe/{this.Sign(claim)}",
    };

    /// <summary>The same link without the public host, for links on our own pages.</summary>
    public string Path(LinkClaim claim) => new Uri(this.Url(claim)).AbsolutePath;

    /// <summary>A download link for the order's PDF that stops working at <paramref name="expiresAt"/> (minute precision).</summary>
    public string FileUrl(string instanceId, DateTimeOffset expiresAt) =>
        this.Url(new LinkClaim(LinkPurpose.File, instanceId, checked((int)(expiresAt.ToUnixTimeSeconds() / 60))));

    /// <summary>A signed page token for a list view: a token altered, made up or taken from the other list fails <see cref="VerifyPage"/>.</summary>
    public string? SignPage(string? storeToken, LinkPurpose list) =>
        storeToken is null ? null : this.Sign(new LinkClaim(list, Base64Url.EncodeToString(Encoding.UTF8.GetBytes(storeToken)), 0));

    /// <summary>True for no token or an intact one of <paramref name="list"/>; <paramref name="storeToken"/> is then the store's own.</summary>
    public bool VerifyPage(string? token, LinkPurpose list, out string? storeToken)
    {
        storeToken = null;
        if (string.IsNullOrEmpty(token))
        {
            return true;
        }

        if (this.Verify(token, list) is not { } claim || !TryDecode(claim.InstanceId, out byte[] bytes))
        {
            return false;
        }

        storeToken = Encoding.UTF8.GetString(bytes);
        return true;
    }

    /// <summary>When a verified file claim expires.</summary>
    public static DateTimeOffset FileExpiry(LinkClaim claim) => DateTimeOffset.FromUnixTimeSeconds(60L * claim.Value);

    /// <summary>The claim when the token is intact and of the expected purpose; otherwise null.</summary>
    public LinkClaim? Verify(string? token, LinkPurpose expected)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return null;
        }

        int dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0 || !TryDecode(token.AsSpan(0, dot), out byte[]? payload) || !TryDecode(token.AsSpan(dot + 1), out byte[]? tag))
        {
            return null;
        }

        // Constant-time comparison: the time taken says nothing about how much of the tag was right.
        if (!CryptographicOperations.FixedTimeEquals(this.Tag(payload), tag))
        {
            return null;
        }

        string[] parts = Encoding.UTF8.GetString(payload).Split('|');
        if (parts.Length != 3 || parts[0] != PurposeCode(expected) || parts[1].Length == 0
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int value))
        {
            return null;
        }

        return new LinkClaim(expected, parts[1], value);
    }

    private byte[] Tag(byte[] payload) => HMACSHA256.HashData(this.key, payload)[..TagBytes];

    private static bool TryDecode(ReadOnlySpan<char> text, out byte[] bytes)
    {
        bytes = [];
        if (text.IsEmpty || !Base64Url.IsValid(text))
        {
            return false;
        }

        bytes = Base64Url.DecodeFromChars(text);
        return true;
    }

    private static string PurposeCode(LinkPurpose purpose) => purpose switch
    {
        LinkPurpose.Survey => "s",
        LinkPurpose.Access => "a",
        LinkPurpose.Redirect => "r",
        LinkPurpose.File => "f",
        LinkPurpose.OrdersPage => "o",
        LinkPurpose.CustomersPage => "c",
        _ => "u",
    };
}
