using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using MimeKit;

namespace PostPurchase.Webhooks;

/// <summary>
/// One inbound mail, whichever SendGrid Inbound Parse mode delivered it, with every text already decoded from its
/// own charset. <see cref="Problems"/> lists what could not be decoded faithfully (an unknown charset, bytes that are
/// not valid in the declared one): such text was kept byte for byte (as Latin-1) and the mail goes to review.
/// </summary>
public sealed record InboundMail(
    string Mode,
    string? FromAddress,
    string? FromName,
    string Subject,
    string? Text,
    string? Html,
    DateTimeOffset? Date,
    IReadOnlyList<string> Problems);

/// <summary>Reads the multipart/form-data that Inbound Parse posts, in raw mode (field "email") or parsed mode.</summary>
public static class InboundMailReader
{
    /// <summary>The form's fields as exact bytes (attachments skipped), or null when the body is not a multipart form.</summary>
    public static async Task<Dictionary<string, byte[]>?> ReadFormAsync(byte[] body, string? contentType, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (!MediaTypeHeaderValue.TryParse(contentType, out MediaTypeHeaderValue? type)
            || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(type.Boundary).Value is not { Length: > 0 } boundary)
        {
            return null;
        }

        Dictionary<string, byte[]> fields = new(StringComparer.OrdinalIgnoreCase);
        MultipartReader reader = new(boundary, new MemoryStream(body, writable: false));
        try
        {
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out ContentDispositionHeaderValue? disposition)
                    || !disposition.IsFormDisposition()
                    || HeaderUtilities.RemoveQuotes(disposition.Name).Value is not { Length: > 0 } name)
                {
                    continue;   // attachments (file parts) are not needed to read a receipt; the stored form keeps them
                }

                using MemoryStream value = new();
                await section.Body.CopyToAsync(value, ct);
                fields[name] = value.ToArray();
            }
        }
        catch (IOException)
        {
            return null;   // a truncated or malformed multipart body
        }
        catch (InvalidDataException)
        {
            return null;
        }

        return fields;
    }

    /// <summary>The mail in the form: the MIME message in raw mode, else the parsed fields each in the charset "charsets" names.</summary>
    public static InboundMail? FromForm(IReadOnlyDictionary<string, byte[]> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (fields.TryGetValue("email", out byte[]? raw) && raw.Length > 0)
        {
            return FromMime(raw);
        }

        if (!fields.ContainsKey("text") && !fields.ContainsKey("html"))
        {
            return null;
        }

        // Parsed mode: SendGrid sends each field in the charset the sender used and names it in "charsets".
        // Decoding the whole form as UTF-8 would turn EUC-KR receipts into U+FFFD.
        Dictionary<string, string> charsets = ReadCharsets(fields.GetValueOrDefault("charsets"));
        List<string> problems = [];
        string? Field(string name) =>
            fields.TryGetValue(name, out byte[]? bytes) ? Charsets.Decode(bytes, charsets.GetValueOrDefault(name), name, problems) : null;

        string subject = Field("subject") ?? "";
        if (subject.Contains("=?", StringComparison.Ordinal))
        {
            subject = MimeKit.Utils.Rfc2047.DecodeText(Encoding.UTF8.GetBytes(subject));   // some relays leave encoded words in place
        }

        string? from = Field("from");
        MailboxAddress? sender = from is not null && MailboxAddress.TryParse(from, out MailboxAddress? parsed) ? parsed : null;
        DateTimeOffset? date = null;
        if (Field("headers") is { } headers && HeaderValue(headers, "Date") is { } dateText
            && MimeKit.Utils.DateUtils.TryParse(dateText, out DateTimeOffset parsedDate))
        {
            date = parsedDate;
        }

        return new InboundMail("parsed", sender?.Address ?? from, NullIfBlank(sender?.Name), subject.Trim(), Field("text"), Field("html"), date, problems);
    }

    /// <summary>A full RFC 5322 message (raw mode, or an .eml file): MimeKit parses it; every text part is decoded strictly.</summary>
    public static InboundMail FromMime(byte[] raw)
    {
        ArgumentNullException.ThrowIfNull(raw);
        using MemoryStream stream = new(raw, writable: false);
        MimeMessage message = MimeMessage.Load(stream);
        List<string> problems = [];
        MailboxAddress? sender = message.From.Mailboxes.FirstOrDefault();

        string? text = null;
        string? html = null;
        foreach (TextPart part in message.BodyParts.OfType<TextPart>().Where(p => !p.IsAttachment))
        {
            using MemoryStream decoded = new();
            part.Content?.DecodeTo(decoded);
            string value = Charsets.Decode(decoded.ToArray(), part.ContentType.Charset ?? "utf-8", part.ContentType.MimeType, problems);
            if (part.IsHtml)
            {
                html ??= value;
            }
            else if (part.IsPlain)
            {
                text ??= value;
            }
        }

        return new InboundMail(
            "raw",
            sender?.Address,
            NullIfBlank(sender?.Name),
            (message.Subject ?? "").Trim(),
            text,
            html,
            message.Headers.Contains(HeaderId.Date) ? message.Date : null,
            problems);
    }

    private static Dictionary<string, string> ReadCharsets(byte[]? json)
    {
        Dictionary<string, string> charsets = new(StringComparer.OrdinalIgnoreCase);
        if (json is null)
        {
            return charsets;
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty p in doc.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
                {
                    charsets[p.Name] = p.Value.GetString()!;
                }
            }
        }
        catch (JsonException)
        {
            // No charsets: every field is read as UTF-8, strictly, and flagged when it is not.
        }

        return charsets;
    }

    private static string? HeaderValue(string headers, string name)
    {
        foreach (string line in headers.Split('\n'))
        {
            if (line.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))
            {
                return line[(name.Length + 1)..].Trim();
            }
        }

        return null;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>Charset names as mail uses them, mapped to .NET encodings that fail loudly on bad bytes.</summary>
public static class Charsets
{
    // Korean mail names Windows code page 949 (UHC) in several ways; 949 is a superset of EUC-KR, so it reads both.
    private static readonly HashSet<string> Korean = new(StringComparer.OrdinalIgnoreCase)
    {
        "ks_c_5601-1987", "ks_c_5601", "ks_c_5601-1989", "ksc5601", "ksc_5601", "euc-kr", "euckr", "cp949", "windows-949", "x-windows-949", "korean", "uhc",
    };

    /// <summary>A strict decoder for <paramref name="charset"/>, or null when .NET has no such encoding.</summary>
    public static Encoding? Find(string? charset)
    {
        string name = (charset ?? "utf-8").Trim().Trim('"');
        try
        {
            return Korean.Contains(name)
                ? Encoding.GetEncoding(949, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback)
                : name.Equals("utf8", StringComparison.OrdinalIgnoreCase) || name.Length == 0
                    ? new UTF8Encoding(false, throwOnInvalidBytes: true)
                    : Encoding.GetEncoding(name, EncoderFallback.ExceptionFallback, DecoderFallback.ExceptionFallback);
        }
        catch (ArgumentException)
        {
            return null;   // unknown name, or code pages not registered (CodePagesEncodingProvider)
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Decodes <paramref name="bytes"/> in <paramref name="charset"/>. When the charset is unknown or the bytes are not
    /// valid in it, the bytes are kept one char per byte (Latin-1, reversible) and a problem is noted: never a silent '?'.
    /// </summary>
    public static string Decode(byte[] bytes, string? charset, string what, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(problems);
        Encoding? encoding = Find(charset);
        if (encoding is null)
        {
            problems.Add($"{what}: unknown charset '{charset}', bytes kept as they are");
            return Encoding.Latin1.GetString(bytes);
        }

        try
        {
            string text = encoding.GetString(bytes);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException)
        {
            problems.Add($"{what}: bytes are not valid {charset}, kept as they are");
            return Encoding.Latin1.GetString(bytes);
        }
    }
}
