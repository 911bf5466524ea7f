namespace PostPurchase.Mail;

public enum MailKind
{
    Welcome,
    ReviewRequest,
    Reminder,
    NextProductOffer,
    SellerAlert,
}

public sealed record MailAttachment(string FileName, string ContentType, byte[] Content);

/// <summary>
/// A rendered mail, independent of the channel that delivers it. <see cref="IdempotencyKey"/> is
/// "{instanceId}:{step}"; senders put it in a header/custom arg so a delivery can be traced to its step.
/// </summary>
public sealed record OutgoingMail(
    MailKind Kind,
    string IdempotencyKey,
    string ToEmail,
    string? ToName,
    string Subject,
    string Html,
    string Text,
    IReadOnlyList<MailAttachment> Attachments,
    IReadOnlyDictionary<string, string> Headers)
{
    public IReadOnlyList<string> Cc { get; init; } = [];

    public IReadOnlyList<string> Bcc { get; init; } = [];
}

/// <summary>One channel that delivers mail: SendGrid in production, an .eml outbox locally.</summary>
public interface IMailSender
{
    Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken);
}

/// <summary>The provider refused the mail for good (4xx other than 429): retrying will not help.</summary>
public sealed class PermanentDeliveryException(string message) : Exception(message);
