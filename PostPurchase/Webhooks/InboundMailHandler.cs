using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PostPurchase.Crm;
using PostPurchase.Infrastructure;
using PostPurchase.Notifications;
using PostPurchase.Purchases;

namespace PostPurchase.Webhooks;

public enum InboundDoorAccess
{
    Allowed,
    Denied,

    /// <summary>Neither a URL secret nor basic auth is configured: the door stays shut.</summary>
    NotConfigured,
}

/// <summary>What one inbound mail became. <see cref="Status"/> is a <see cref="MailStatus"/> value.</summary>
public sealed record InboundMailResult(string? MailId, WebhookVerdict Verdict, string Status);

/// <summary>
/// SendGrid Inbound Parse deliveries (the seller's payment notices, forwarded to a parse address). The delivery is
/// stored byte for byte before anything reads it, so a mail that fails today can be replayed after a fix; only then
/// is it decoded (per field charset, or MimeKit in raw mode), recognised and turned into a Purchase. Mail that is not
/// a receipt, or cannot be read with confidence, is kept and shown to the seller on Slack, never dropped and never
/// turned into an order. Forwarded receipts are claims anyone could type: the seller's setting decides.
/// </summary>
public sealed partial class InboundMailHandler(
    IOptions<InboundMailOptions> options, CustomerRepository crm, ReceiptParser parser, SellerNotices notices,
    TimeProvider time, ILogger<InboundMailHandler> logger)
{
    /// <summary>SendGrid's own limit for a parsed message (attachments included) is 30 MB.</summary>
    public const int MaxBodyBytes = 30 * 1024 * 1024;

    private const int ExcerptChars = 600;

    /// <summary>Checks the URL secret (?secret=) or the basic-auth pair, whichever the seller configured; fixed-time comparisons.</summary>
    public InboundDoorAccess Authorize(string? urlSecret, string? authorizationHeader)
    {
        InboundMailOptions o = options.Value;
        bool configured = false;
        if (!string.IsNullOrEmpty(o.Secret))
        {
            configured = true;
            if (SameSecret(o.Secret, urlSecret))
            {
                return InboundDoorAccess.Allowed;
            }
        }

        if (!string.IsNullOrEmpty(o.BasicAuthUser) && !string.IsNullOrEmpty(o.BasicAuthPassword))
        {
            configured = true;
            if (BasicCredentials(authorizationHeader) is { } given
                && SameSecret(o.BasicAuthUser, given.User) & SameSecret(o.BasicAuthPassword, given.Password))
            {
                return InboundDoorAccess.Allowed;
            }
        }

        return configured ? InboundDoorAccess.Denied : InboundDoorAccess.NotConfigured;
    }

    /// <summary>Stores the delivery, then reads it. Rejected (nothing stored) only when the body is not a form at all.</summary>
    public async Task<InboundMailResult> ReceiveAsync(byte[] body, string? contentType, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        if (await InboundMailReader.ReadFormAsync(body, contentType, ct) is not { } fields)
        {
            LogRejected(logger, "not a multipart form");
            return new InboundMailResult(null, WebhookVerdict.Rejected("not an Inbound Parse form (multipart/form-data)"), MailStatus.Received);
        }

        string mailId = $"{time.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5))}";
        await crm.SaveMailAsync(mailId, contentType!, body, ct);   // durable before any answer: a 5xx here makes SendGrid retry
        return await this.ReadAsync(mailId, fields, granted: false, ct);
    }

    /// <summary>Reads a stored mail again (after a fix, or to grant a forwarded receipt); null when no mail has that id.</summary>
    public async Task<InboundMailResult?> ReplayAsync(string mailId, CancellationToken ct)
    {
        if (await crm.GetMailAsync(mailId, ct) is not { } stored)
        {
            return null;
        }

        Dictionary<string, byte[]>? fields = await InboundMailReader.ReadFormAsync(stored.Body, stored.Mail.ContentType, ct);
        return fields is null
            ? new InboundMailResult(mailId, WebhookVerdict.Ignored("stored body is not a form"), MailStatus.NeedsReview)
            : await this.ReadAsync(mailId, fields, granted: true, ct);
    }

    /// <summary>Records what the door did with a receipt's purchase.</summary>
    public Task RecordOutcomeAsync(string mailId, string status, string? instanceId, CancellationToken ct) =>
        crm.SetMailStatusAsync(mailId, status, null, instanceId, ct);

    private async Task<InboundMailResult> ReadAsync(string mailId, IReadOnlyDictionary<string, byte[]> fields, bool granted, CancellationToken ct)
    {
        InboundMail? mail;
        try
        {
            mail = InboundMailReader.FromForm(fields);
        }
        catch (FormatException)
        {
            mail = null;   // MimeKit could not parse the raw message
        }

        if (mail is null)
        {
            return await this.ReviewAsync(mailId, null, "the form carries no readable mail", ct);
        }

        if (mail.Problems.Count > 0)
        {
            // Text decoded with a guessed charset would give wrong names and amounts: a person looks at the stored bytes.
            return await this.ReviewAsync(mailId, mail, string.Join("; ", mail.Problems), ct);
        }

        ReceiptReading reading = parser.Read(mail);
        if (!reading.IsReceipt || reading.Facts is not { } facts)
        {
            await crm.SetMailStatusAsync(mailId, MailStatus.NotAReceipt, null, null, ct);
            await notices.PostOnceAsync(new SlackAlert(
                $"{Partition(mailId)}:not-a-receipt",
                "A mail reached the receipts address but is not a payment notice; it is stored, no order was made.",
                [new SlackField("From", reading.Sender), new SlackField("Subject", reading.Subject), new SlackField("Mail id", mailId)],
                Excerpt(mail)), ct);
            LogNotAReceipt(logger, mailId);
            return new InboundMailResult(mailId, WebhookVerdict.Ignored("not a receipt"), MailStatus.NotAReceipt);
        }

        if (facts.PaymentId is null || facts.Amount is null || facts.PaidAt is null)
        {
            return await this.ReviewAsync(mailId, mail, $"{facts.Provider} notice without a payment id, amount or payment time", ct);
        }

        if (facts.Forwarded && !granted && options.Value.ForwardedReceipts == ForwardedReceiptPolicy.Ask)
        {
            await crm.SetMailStatusAsync(mailId, MailStatus.AwaitingSeller, "forwarded receipt: unverified claim", null, ct);
            await notices.PostOnceAsync(new SlackAlert(
                $"{Partition(mailId)}:forwarded-receipt",
                "A forwarded receipt claims a purchase; it cannot be verified. Grant it if it is genuine.",
                [
                    new SlackField("To grant", $"POST /api/inbound-mail/{mailId}/replay (admin key)"),
                    new SlackField("Mail id", mailId),
                    new SlackField("Provider", facts.Provider),
                    new SlackField("Buyer", $"{facts.BuyerName ?? "(no name)"} <{facts.BuyerEmail ?? "no e-mail"}>"),
                    new SlackField("Product", facts.ProductName ?? "(unknown)"),
                    new SlackField("Amount", facts.Amount.Format(Locales.Korean)),
                    new SlackField("Paid", facts.PaidAt.Value.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)),
                ]), ct);
            LogAwaitingSeller(logger, mailId);
            return new InboundMailResult(mailId, WebhookVerdict.Ignored("forwarded receipt: the seller was asked"), MailStatus.AwaitingSeller);
        }

        string locale = facts.Amount.Currency == "KRW" ? Locales.Korean : Locales.English;
        Purchase purchase = new(
            facts.Provider,
            facts.PaymentId,
            facts.OrderReference,
            // A masked name (김*지) is kept exactly as masked; with no e-mail the journey records needs-buyer-email.
            new Buyer(facts.BuyerEmail, facts.BuyerName, locale, Locales.IsKorean(locale) ? "Asia/Seoul" : "UTC"),
            Sku: null,
            facts.ProductName ?? "",
            facts.Amount,
            facts.PaidAt.Value,
            Channel: facts.Forwarded ? "forwarded-email" : "email");
        LogReceipt(logger, mailId, facts.Provider, facts.Forwarded);
        return new InboundMailResult(mailId, WebhookVerdict.ForPurchase(purchase), MailStatus.Received);
    }

    private async Task<InboundMailResult> ReviewAsync(string mailId, InboundMail? mail, string why, CancellationToken ct)
    {
        await crm.SetMailStatusAsync(mailId, MailStatus.NeedsReview, why, null, ct);
        await notices.PostOnceAsync(new SlackAlert(
            $"{Partition(mailId)}:mail-needs-review",
            "A mail to the receipts address could not be read with confidence; it is stored for review, no order was made.",
            [
                new SlackField("Mail id", mailId),
                new SlackField("From", mail?.FromAddress ?? "-"),
                new SlackField("Subject", mail?.Subject ?? "-"),
                new SlackField("Why", why),
            ]), ct);
        LogNeedsReview(logger, mailId);
        return new InboundMailResult(mailId, WebhookVerdict.Ignored("stored for review: " + why), MailStatus.NeedsReview);
    }

    // Alert keys per mail, so a replay does not post the same alert twice.
    private static string Partition(string mailId) => "mail|" + mailId;

    private static string? Excerpt(InboundMail mail)
    {
        string? text = mail.Text ?? ReceiptParser.HtmlToText(mail.Html);
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        text = text.Trim();
        return text.Length <= ExcerptChars ? text : text[..ExcerptChars] + "…";
    }

    private static bool SameSecret(string expected, string? given) =>
        given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given));

    private static (string User, string Password)? BasicCredentials(string? header)
    {
        if (header is null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            string pair = Encoding.UTF8.GetString(Convert.FromBase64String(header[6..].Trim()));
            int colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : (pair[..colon], pair[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbound mail rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbound mail {MailId}: not a payment notice, stored and shown to the seller")]
    private static partial void LogNotAReceipt(ILogger logger, string mailId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbound mail {MailId}: stored for review")]
    private static partial void LogNeedsReview(ILogger logger, string mailId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbound mail {MailId}: forwarded receipt, the seller was asked")]
    private static partial void LogAwaitingSeller(ILogger logger, string mailId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbound mail {MailId}: {Provider} receipt (forwarded: {Forwarded})")]
    private static partial void LogReceipt(ILogger logger, string mailId, string provider, bool forwarded);
}
