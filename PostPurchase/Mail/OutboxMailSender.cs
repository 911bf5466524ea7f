using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit;
using PostPurchase.Infrastructure;

namespace PostPurchase.Mail;

/// <summary>
/// The local channel: each mail becomes an .eml file in <see cref="SendGridOptions.OutboxPath"/> that any mail
/// client opens, so a whole journey can be watched without a SendGrid key. Files are named
/// "{utc yyyyMMddHHmmssfff}-{kind}-{key}.eml"; a re-send of the same idempotency key overwrites its file.
/// </summary>
public sealed partial class OutboxMailSender(
    IOptions<SendGridOptions> options,
    TimeProvider time,
    ILogger<OutboxMailSender> logger) : IMailSender, IDisposable
{
    private const string TimestampFormat = "yyyyMMddHHmmssfff";

    // Looking for an earlier file and writing must not interleave, or two sends of one key make two files.
    private readonly SemaphoreSlim gate = new(1, 1);

    public async Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        DateTimeOffset now = time.GetUtcNow();
        MimeMessage message = ToMimeMessage(mail, options.Value, now);

        string folder = Path.GetFullPath(options.Value.OutboxPath);
        Directory.CreateDirectory(folder);
        string suffix = $"-{KindName(mail.Kind)}-{SafeKey(mail.IdempotencyKey)}.eml";

        await this.gate.WaitAsync(cancellationToken);
        try
        {
            string path = FindEarlier(folder, suffix)
                ?? Path.Combine(folder, now.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture) + suffix);

            // Write beside the target and move, so a mail client watching the folder never opens half a file.
            string temp = Path.Combine(folder, $".{Guid.NewGuid():N}.tmp");
            try
            {
                await using (FileStream stream = new(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    await message.WriteToAsync(stream, cancellationToken);
                }

                File.Move(temp, path, overwrite: true);
            }
            finally
            {
                File.Delete(temp);   // no-op after a successful move
            }

            string fileName = Path.GetFileName(path);
            LogWritten(logger, mail.Kind, mail.IdempotencyKey, fileName);
        }
        finally
        {
            this.gate.Release();
        }
    }

    public void Dispose() => this.gate.Dispose();

    /// <summary>
    /// The mail as MIME: multipart/alternative (text, then HTML) inside multipart/mixed when there are
    /// attachments. Message-Id is derived from the idempotency key, so a re-send is recognisably the same mail.
    /// </summary>
    public static MimeMessage ToMimeMessage(OutgoingMail mail, SendGridOptions sender, DateTimeOffset date)
    {
        ArgumentNullException.ThrowIfNull(mail);
        ArgumentNullException.ThrowIfNull(sender);

        MimeMessage message = new();
        message.From.Add(new MailboxAddress(sender.FromName ?? "", sender.FromEmail));
        message.To.Add(new MailboxAddress(mail.ToName ?? "", mail.ToEmail));
        message.Subject = mail.Subject;
        message.Date = date;
        message.MessageId = MessageIdFor(mail.IdempotencyKey, sender.FromEmail);
        message.Headers.Add("X-PostPurchase-Key", mail.IdempotencyKey);
        foreach ((string name, string value) in mail.Headers)
        {
            message.Headers.Add(name, value);
        }

        BodyBuilder body = new() { TextBody = mail.Text, HtmlBody = mail.Html };
        foreach (MailAttachment attachment in mail.Attachments)
        {
            body.Attachments.Add(attachment.FileName, attachment.Content, ContentType.Parse(attachment.ContentType));
        }

        message.Body = body.ToMessageBody();
        return message;
    }

    /// <summary>"{first 32 hex of SHA-256(key)}@{sender's domain}": stable for a key, opaque to readers.</summary>
    public static string MessageIdFor(string idempotencyKey, string fromEmail)
    {
        ArgumentNullException.ThrowIfNull(idempotencyKey);
        ArgumentNullException.ThrowIfNull(fromEmail);
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..32];
        int at = fromEmail.LastIndexOf('@');
        string domain = at >= 0 && at < fromEmail.Length - 1 ? fromEmail[(at + 1)..] : "postpurchase.local";
        return $"{hash}@{domain}";
    }

    internal static string KindName(MailKind kind) => kind switch
    {
        MailKind.Welcome => "welcome",
        MailKind.ReviewRequest => "review-request",
        MailKind.Reminder => "reminder",
        MailKind.NextProductOffer => "next-product-offer",
        MailKind.SellerAlert => "seller-alert",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>Keys look like "{instanceId}:{step}"; anything but letters, digits, '.', '_' and '-' becomes '_'.</summary>
    internal static string SafeKey(string key)
    {
        StringBuilder safe = new(Math.Min(key.Length, 150));
        foreach (char c in key)
        {
            if (safe.Length == 150)
            {
                break;
            }

            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_');
        }

        return safe.ToString();
    }

    private static string? FindEarlier(string folder, string suffix)
    {
        foreach (string path in Directory.EnumerateFiles(folder, "*" + suffix))
        {
            // Exact shape only: "…-welcome-abc.eml" must not match the file of key "x-welcome-abc".
            string name = Path.GetFileName(path);
            if (name.Length == TimestampFormat.Length + suffix.Length
                && name.EndsWith(suffix, StringComparison.Ordinal)
                && name.AsSpan(0, TimestampFormat.Length).ContainsAnyExceptInRange('0', '9') is false)
            {
                return path;
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote {Kind} mail {IdempotencyKey} to the outbox as {FileName}")]
    private static partial void LogWritten(ILogger logger, MailKind kind, string idempotencyKey, string fileName);
}
