using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using PostPurchase.Infrastructure;
using PostPurchase.Purchases;

namespace PostPurchase.Webhooks;

/// <summary>What a payment notice says about one sale. Null facts are facts the mail does not carry (never guessed).</summary>
public sealed record ReceiptFacts(
    string Provider,
    bool Forwarded,
    string? BuyerEmail,
    string? BuyerName,
    bool BuyerMasked,
    string? ProductName,
    Money? Amount,
    string? PaymentId,
    string? OrderReference,
    DateTimeOffset? PaidAt);

/// <summary>The reading of one mail: a receipt with its facts, or not a receipt (stored and shown to the seller).</summary>
public sealed record ReceiptReading(bool IsReceipt, ReceiptFacts? Facts, string Sender, string Subject);

/// <summary>
/// Recognises payment notices (Toss, KakaoPay, NaverPay …) by the seller's sender and subject patterns and reads the
/// labelled facts out of their text or HTML. Korean notices write times without an offset: they are Seoul time.
/// A receipt forwarded by hand (Gmail "전달된 메일" / "Forwarded message", Outlook "FW:" / "Original Message") is read
/// from its quoted part, with the original sender and subject, and marked <see cref="ReceiptFacts.Forwarded"/>.
/// </summary>
public sealed partial class ReceiptParser(IOptions<InboundMailOptions> options)
{
    private static readonly TimeSpan Seoul = TimeSpan.FromHours(9);
    private static readonly TimeSpan PatternTimeout = TimeSpan.FromSeconds(1);

    // Labels are compared with spaces and parenthesised notes removed, lower case: "결제키(paymentKey)" → "결제키".
    private static readonly string[] EmailLabels = ["구매자이메일", "주문자이메일", "구매자email", "이메일", "email", "e-mail", "buyeremail"];
    private static readonly string[] NameLabels = ["구매자명", "구매자이름", "주문자명", "주문자", "구매자", "buyername", "buyer"];
    private static readonly string[] ProductLabels = ["상품명", "주문상품", "상품정보", "상품", "productname", "product", "item"];
    private static readonly string[] AmountLabels = ["결제금액", "총결제금액", "최종결제금액", "결제액", "총금액", "금액", "amount", "total"];
    private static readonly string[] PaymentIdLabels = ["결제키", "paymentkey", "거래번호", "거래id", "tid", "transactionid", "paymentid"];
    private static readonly string[] OrderLabels = ["주문번호", "orderid", "ordernumber", "orderno"];
    private static readonly string[] SubOrderLabels = ["상품주문번호"];
    private static readonly string[] PaidAtLabels = ["결제일시", "결제완료일시", "결제일", "결제시간", "승인일시", "거래일시", "주문일시", "paidat", "paymentdate"];

    private static readonly string[] AllLabels =
        [.. EmailLabels, .. NameLabels, .. ProductLabels, .. AmountLabels, .. PaymentIdLabels, .. OrderLabels, .. SubOrderLabels, .. PaidAtLabels];

    public ReceiptReading Read(InboundMail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        List<string> textLines = Lines(mail.Text);
        List<string> htmlLines = Lines(HtmlToText(mail.Html));

        string sender = $"{mail.FromName} <{mail.FromAddress}>";
        string subject = mail.Subject;
        DateTimeOffset? headerDate = mail.Date;
        Forward? forward = FindForward(textLines, subject) ?? FindForward(htmlLines, subject);
        if (forward is not null)
        {
            sender = forward.From ?? "";
            subject = forward.Subject ?? StripForwardPrefix(subject);
            headerDate = forward.Date;
            textLines = forward.Quoted;
            htmlLines = FindForward(htmlLines, mail.Subject)?.Quoted ?? (mail.Text is null ? forward.Quoted : htmlLines);
        }

        if (this.Recognise(sender, subject) is not { } provider)
        {
            return new ReceiptReading(false, null, sender, subject);
        }

        Dictionary<string, string> found = Labelled(textLines);
        foreach ((string label, string value) in Labelled(htmlLines))
        {
            found.TryAdd(label, value);   // the text part wins; the HTML fills what it lacks
        }

        string? rawEmail = First(found, EmailLabels);
        string? email = rawEmail is not null && !rawEmail.Contains('*', StringComparison.Ordinal)
            && System.Net.Mail.MailAddress.TryCreate(rawEmail, out System.Net.Mail.MailAddress? address) && address.Address == rawEmail ? rawEmail : null;
        string? name = First(found, NameLabels);
        string? paymentKey = First(found, PaymentIdLabels);
        string? orderNo = First(found, OrderLabels);
        string? subOrder = First(found, SubOrderLabels);
        string? paymentId = paymentKey ?? orderNo;
        string? reference = paymentKey is not null ? orderNo ?? subOrder : subOrder;

        return new ReceiptReading(true, new ReceiptFacts(
            provider,
            forward is not null,
            email,
            name,
            BuyerMasked: (name?.Contains('*', StringComparison.Ordinal) ?? false) || (rawEmail?.Contains('*', StringComparison.Ordinal) ?? false),
            First(found, ProductLabels),
            DecimalAmount.FromReceipt(First(found, AmountLabels)),
            paymentId,
            reference,
            ParseTime(First(found, PaidAtLabels)) ?? headerDate), sender, subject);
    }

    /// <summary>
    /// A time as Korean notices and mail clients write it: "2025-03-14 21:07:33", "2025.03.14 21:15:55",
    /// "2025년 3월 14일 (금) 오후 9:12", "Friday, March 14, 2025 9:12 PM". Without an offset it is Seoul time.
    /// </summary>
    public static DateTimeOffset? ParseTime(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        string text = value.Trim();
        Match korean = KoreanDate().Match(text);
        if (korean.Success)
        {
            int hour = int.Parse(korean.Groups["h"].Value, CultureInfo.InvariantCulture);
            string half = (korean.Groups["half"].Success ? korean.Groups["half"].Value : korean.Groups["half2"].Value).ToUpperInvariant();
            if (half is "오후" or "PM" && hour < 12)
            {
                hour += 12;
            }
            else if (half is "오전" or "AM" && hour == 12)
            {
                hour = 0;
            }

            try
            {
                return new DateTimeOffset(
                    int.Parse(korean.Groups["y"].Value, CultureInfo.InvariantCulture),
                    int.Parse(korean.Groups["mo"].Value, CultureInfo.InvariantCulture),
                    int.Parse(korean.Groups["d"].Value, CultureInfo.InvariantCulture),
                    hour,
                    int.Parse(korean.Groups["mi"].Value, CultureInfo.InvariantCulture),
                    korean.Groups["s"].Success ? int.Parse(korean.Groups["s"].Value, CultureInfo.InvariantCulture) : 0,
                    korean.Groups["off"].Success ? OffsetOf(korean.Groups["off"].Value) : Seoul);
            }
            catch (ArgumentOutOfRangeException)
            {
                return null;
            }
        }

        // Outlook's English header ("Friday, March 14, 2025 9:12 PM"): the sender's local time, which for these sellers is Seoul.
        string withoutDay = EnglishWeekday().Replace(text, "").Replace(" at ", " ", StringComparison.Ordinal);
        return DateTime.TryParse(withoutDay, CultureInfo.GetCultureInfo("en-US"), DateTimeStyles.AllowWhiteSpaces, out DateTime local)
            ? new DateTimeOffset(DateTime.SpecifyKind(local, DateTimeKind.Unspecified), Seoul)
            : null;
    }

    private string? Recognise(string sender, string subject)
    {
        foreach ((string provider, ReceiptSenderPattern pattern) in options.Value.Senders)
        {
            if (string.IsNullOrWhiteSpace(pattern.From) || string.IsNullOrWhiteSpace(pattern.Subject))
            {
                continue;
            }

            try
            {
                if (Regex.IsMatch(sender, pattern.From, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, PatternTimeout)
                    && Regex.IsMatch(subject, pattern.Subject, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, PatternTimeout))
                {
                    return provider.Trim().ToLowerInvariant();
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // A pathological pattern must not hang the door; it simply does not match.
            }
        }

        return null;
    }

    private static Forward? FindForward(List<string> lines, string subject)
    {
        int start = lines.FindIndex(l => ForwardMarker().IsMatch(l));
        int headerAt = start + 1;
        if (start < 0 && ForwardPrefix().IsMatch(subject))
        {
            // Outlook without a marker line: "From: …" followed closely by "Sent: …".
            headerAt = lines.FindIndex(l => HeaderLine().Match(l) is { Success: true } m && IsFromLabel(m.Groups["name"].Value));
            if (headerAt < 0)
            {
                return null;
            }
        }
        else if (start < 0)
        {
            return null;
        }

        string? from = null, forwardedSubject = null;
        DateTimeOffset? date = null;
        int i = headerAt;
        for (; i < lines.Count; i++)
        {
            Match header = HeaderLine().Match(lines[i]);
            if (!header.Success)
            {
                if (string.IsNullOrWhiteSpace(lines[i]) && from is null && forwardedSubject is null)
                {
                    continue;
                }

                break;
            }

            string name = Normalize(header.Groups["name"].Value);
            string value = header.Groups["value"].Value.Trim();
            if (IsFromLabel(name))
            {
                from ??= value;
            }
            else if (name is "subject" or "제목")
            {
                forwardedSubject ??= value;
            }
            else if (name is "date" or "sent" or "날짜" or "보낸날짜")
            {
                date ??= ParseTime(value);
            }
        }

        return new Forward(from, forwardedSubject, date, lines[i..]);
    }

    private static bool IsFromLabel(string name) => Normalize(name) is "from" or "보낸사람";

    private static string StripForwardPrefix(string subject) => ForwardPrefix().Replace(subject, "").Trim();

    /// <summary>"label: value", "label\tvalue" (table cells), or a label alone on its line with the value on the next.</summary>
    private static Dictionary<string, string> Labelled(List<string> lines)
    {
        Dictionary<string, string> found = new(StringComparer.Ordinal);
        for (int i = 0; i < lines.Count; i++)
        {
            Match m = LabelValue().Match(lines[i]);
            if (m.Success && Normalize(m.Groups["label"].Value) is { Length: > 0 } label && AllLabels.Contains(label))
            {
                found.TryAdd(label, m.Groups["value"].Value.Trim().Trim('\t').Trim());
                continue;
            }

            string alone = Normalize(lines[i]);
            if (AllLabels.Contains(alone) && i + 1 < lines.Count && !AllLabels.Contains(Normalize(lines[i + 1])) && lines[i + 1].Trim().Length > 0)
            {
                found.TryAdd(alone, lines[i + 1].Trim());
                i++;
            }
        }

        return found;
    }

    private static string? First(Dictionary<string, string> found, string[] labels) =>
        labels.Select(l => found.GetValueOrDefault(l)).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    private static string Normalize(string label) =>
        Parenthesised().Replace(label, "").Replace(" ", "", StringComparison.Ordinal).Replace("\u00A0", "", StringComparison.Ordinal).Trim().ToLowerInvariant();

    private static List<string> Lines(string? text) =>
        text is null ? [] : [.. text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => QuotePrefix().Replace(l, "").TrimEnd())];

    /// <summary>Just enough HTML to text for notices: cells become tab-separated, rows and paragraphs become lines.</summary>
    internal static string? HtmlToText(string? html)
    {
        if (string.IsNullOrWhiteSpace(html))
        {
            return null;
        }

        string text = HeadStyleScript().Replace(html, "");
        text = LineBreakTags().Replace(text, "\n");
        text = CellEndTags().Replace(text, "\t");
        text = AnyTag().Replace(text, "");
        text = WebUtility.HtmlDecode(text);
        return string.Join('\n', text.Split('\n').Select(l => SpaceRuns().Replace(l, " ").Trim(' ')));
    }

    private static TimeSpan OffsetOf(string text)
    {
        if (text.Equals("KST", StringComparison.OrdinalIgnoreCase))
        {
            return Seoul;
        }

        if (text.Equals("Z", StringComparison.OrdinalIgnoreCase))
        {
            return TimeSpan.Zero;
        }

        string digits = text.Replace(":", "", StringComparison.Ordinal);
        int sign = digits[0] == '-' ? -1 : 1;
        int hours = int.Parse(digits.AsSpan(1, 2), CultureInfo.InvariantCulture);
        int minutes = int.Parse(digits.AsSpan(3, 2), CultureInfo.InvariantCulture);
        return sign * new TimeSpan(hours, minutes, 0);
    }

    [GeneratedRegex(@"(?<y>\d{4})\s*[-./년]\s*(?<mo>\d{1,2})\s*[-./월]\s*(?<d>\d{1,2})\s*[일.]?\s*(\([^)]*\)|[가-힣]요일)?[\sT]*(?<half>오전|오후|AM|PM)?\s*(?<h>\d{1,2}):(?<mi>\d{2})(:(?<s>\d{2}))?(\.\d+)?\s*(?<half2>AM|PM)?\s*(?<off>Z|[+-]\d{2}:?\d{2}|KST)?", RegexOptions.IgnoreCase)]
    private static partial Regex KoreanDate();

    [GeneratedRegex(@"^\s*(Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,\s*", RegexOptions.IgnoreCase)]
    private static partial Regex EnglishWeekday();

    [GeneratedRegex(@"^\s*-{2,}\s*(Forwarded message|전달된\s*메일|Original Message|원본\s*메시지)\s*-{2,}\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex ForwardMarker();

    [GeneratedRegex(@"^\s*(fwd?|fw|전달)\s*:\s*", RegexOptions.IgnoreCase)]
    private static partial Regex ForwardPrefix();

    [GeneratedRegex(@"^\s*\*?(?<name>From|보낸\s*사람|Date|Sent|날짜|보낸\s*날짜|Subject|제목|To|받는\s*사람|Cc|참조)\*?\s*:\s*(?<value>.*)$", RegexOptions.IgnoreCase)]
    private static partial Regex HeaderLine();

    [GeneratedRegex(@"^\s*(?<label>[^:\t：]{1,40}?)\s*[:：\t]\s*(?<value>\S.*?)\s*$")]
    private static partial Regex LabelValue();

    [GeneratedRegex(@"\([^)]*\)")]
    private static partial Regex Parenthesised();

    [GeneratedRegex(@"^(\s*>)+\s?")]
    private static partial Regex QuotePrefix();

    [GeneratedRegex(@"<(head|style|script)\b[^>]*>.*?</\1\s*>", RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex HeadStyleScript();

    [GeneratedRegex(@"<br\s*/?>|</(p|div|tr|h[1-6]|li|table|blockquote)\s*>", RegexOptions.IgnoreCase)]
    private static partial Regex LineBreakTags();

    [GeneratedRegex(@"</t[hd]\s*>", RegexOptions.IgnoreCase)]
    private static partial Regex CellEndTags();

    [GeneratedRegex(@"<[^>]+>")]
    private static partial Regex AnyTag();

    [GeneratedRegex(@"[ \u00A0]{2,}")]
    private static partial Regex SpaceRuns();

    private sealed record Forward(string? From, string? Subject, DateTimeOffset? Date, List<string> Quoted);
}
