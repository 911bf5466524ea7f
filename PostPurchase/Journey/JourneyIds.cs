using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace PostPurchase.Journey;

/// <summary>
/// Instance id = "{provider}-{paymentId}": the dedupe key for every delivery of one payment. Characters that
/// Durable instance ids and Table keys refuse (/ \ # ? control chars, and anything outside a safe set) become
/// "~XX" escapes, so distinct payment ids never collide; an id too long for a key keeps a prefix and a hash of the whole.
/// </summary>
public static class JourneyIds
{
    private const int MaxLength = 200;

    public static string For(string provider, string paymentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        ArgumentException.ThrowIfNullOrWhiteSpace(paymentId);
        StringBuilder sb = new(provider.Length + paymentId.Length + 1);
        Append(sb, provider.ToLowerInvariant());
        sb.Append('-');
        Append(sb, paymentId);
        if (sb.Length > MaxLength)
        {
            // No provider sends ids this long, but a signed event could carry one, and throwing here answered 500 (the
            // provider then redelivers for days). A prefix plus a hash of the whole id stays unique and deterministic.
            string whole = sb.ToString();
            string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(whole)))[..32];
            return $"{whole[..(MaxLength - hash.Length - 2)]}~h{hash}";
        }

        return sb.ToString();
    }

    private static void Append(StringBuilder sb, string value)
    {
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            char c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '.')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append('~').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
    }
}
