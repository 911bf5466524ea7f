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

    /// <summary>The absolute URL a buyer clicks: /api/survey/…, /api/go/… or /api/unsubscribe/….</summary>
    public string Url(LinkClaim claim) => claim.Purpose switch
    {
        LinkPurpose.Survey => $"{this.baseUrl}/api/survey/{this.Sign(claim)}",
        LinkPurpose.Access => $"{this.baseUrl}/api/go/{this.Sign(claim)}",
        _ => $"{this.baseUrl}/api/unsubscribe/{this.Sign(claim)}",
    };

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
        _ => "u",
    };
}
