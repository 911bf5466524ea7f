using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace PostPurchase.Notifications;

/// <summary>
/// Makes buyer-influenced text inert for Slack and fits it into Block Kit's limits.
/// Escaping &amp;, &lt;, &gt; disables &lt;!channel&gt;, &lt;@U…&gt; and &lt;url|label&gt; (C13); a word joiner after
/// "@" keeps a bare @channel/@here/@everyone from ever being parsed as a mention, while the seller still reads it.
/// </summary>
internal static partial class SlackMrkdwn
{
    /// <summary>U+2060 WORD JOINER: invisible, no line break, no joining semantics (unlike ZWJ inside emoji).</summary>
    public const char WordJoiner = '\u2060';

    public const char Ellipsis = '…';

    /// <summary>Escaped, mention-free mrkdwn, at most <paramref name="max"/> UTF-16 units.</summary>
    public static string Escape(string raw, int max) => Fit(raw, max, quote: false, escape: true);

    /// <summary>Escaped mrkdwn as a block quote (every line starts with "&gt;"), at most <paramref name="max"/> units.</summary>
    public static string Quote(string raw, int max) => Fit(raw, max, quote: true, escape: true);

    /// <summary>For plain_text objects, which never parse mentions or links: no entities (Slack would show them), only length.</summary>
    public static string Plain(string raw, int max) => Fit(raw, max, quote: false, escape: false);

    private static string Fit(string raw, int max, bool quote, bool escape)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 2);
        string text = NeutraliseMentions(raw);

        // Work on text elements so a cut never splits a surrogate pair, an emoji sequence or an &amp;-entity.
        List<string> pieces = [];
        int total = 0;
        if (quote)
        {
            pieces.Add(">");
            total = 1;
        }

        TextElementEnumerator elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext())
        {
            string piece = Map(elements.GetTextElement(), quote, escape);
            pieces.Add(piece);
            total += piece.Length;
        }

        StringBuilder result = new(Math.Min(total, max));
        if (total <= max)
        {
            pieces.ForEach(p => result.Append(p));
            return result.ToString();
        }

        foreach (string piece in pieces)
        {
            if (result.Length + piece.Length > max - 1)
            {
                break;
            }

            result.Append(piece);
        }

        return result.Append(Ellipsis).ToString();
    }

    private static string Map(string element, bool quote, bool escape) => element switch
    {
        "\r\n" or "\n" or "\r" => quote ? "\n>" : "\n",

        // Per character, not per element: "<" followed by a combining mark is one element and must still be escaped.
        _ when escape => element.Replace("&", "&amp;", StringComparison.Ordinal)
                                .Replace("<", "&lt;", StringComparison.Ordinal)
                                .Replace(">", "&gt;", StringComparison.Ordinal),
        _ => element,
    };

    private static string NeutraliseMentions(string text) => BareMention().Replace(text, "@" + WordJoiner);

    [GeneratedRegex(@"@(?=(?:channel|here|everyone)\b)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BareMention();
}
