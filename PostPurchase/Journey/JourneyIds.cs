using System.Globalization;
using System.Text;

namespace PostPurchase.Journey;

/// <summary>
/// Instance id = "{provider}-{paymentId}": the dedupe key for every delivery of one payment. Characters that
/// Durable instance ids and Table keys refuse (/ \ # ? control chars, and anything outside a safe set) become
/// "~XX" escapes, so distinct payment ids never collide.
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
            throw new ArgumentException("Payment id is too long to identify a journey.", nameof(paymentId));
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
