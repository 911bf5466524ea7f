using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PostPurchase.Infrastructure;
using SendGrid;
using SendGrid.Helpers.Mail;

namespace PostPurchase.Mail;

/// <summary>
/// The production channel: SendGrid v3 mail send. Only 202 Accepted counts as sent. 429 and 5xx throw
/// <see cref="HttpRequestException"/> so the activity's durable retry takes over; any other answer throws
/// <see cref="PermanentDeliveryException"/>, because sending the same request again cannot succeed.
/// </summary>
public sealed partial class SendGridMailSender(
    ISendGridClient client,
    IOptions<SendGridOptions> options,
    ILogger<SendGridMailSender> logger) : IMailSender
{
    private const int MaxDetailLength = 500;

    public async Task SendAsync(OutgoingMail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        SendGridMessage message = ToSendGridMessage(mail, options.Value);

        // The status is checked here rather than with HttpErrorAsException: that setting throws one exception
        // type per status and still returns 200 (sandbox mode, nothing sent) as a success.
        Response response = await client.SendEmailAsync(message, cancellationToken);
        int status = (int)response.StatusCode;
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            string providerId = response.Headers?.TryGetValues("X-Message-Id", out IEnumerable<string>? ids) == true ? ids.First() : "";
            LogAccepted(logger, mail.Kind, mail.IdempotencyKey, providerId);
            return;
        }

        string detail = await ReadErrorsAsync(response, cancellationToken);
        if (response.StatusCode == HttpStatusCode.TooManyRequests || status >= 500)
        {
            LogWillRetry(logger, mail.Kind, mail.IdempotencyKey, status);
            throw new HttpRequestException($"SendGrid answered {status}; the send will be retried. {detail}".TrimEnd(), null, response.StatusCode);
        }

        LogRefused(logger, mail.Kind, mail.IdempotencyKey, status, detail);
        throw new PermanentDeliveryException($"SendGrid refused the mail: {status} {response.StatusCode}. {detail}".TrimEnd());
    }

    /// <summary>One recipient, text then HTML, attachments as plain base64, our headers and correlation args.</summary>
    public static SendGridMessage ToSendGridMessage(OutgoingMail mail, SendGridOptions sender)
    {
        ArgumentNullException.ThrowIfNull(mail);
        ArgumentNullException.ThrowIfNull(sender);

        SendGridMessage message = new()
        {
            From = new EmailAddress(sender.FromEmail, string.IsNullOrWhiteSpace(sender.FromName) ? null : sender.FromName),
            Subject = mail.Subject,
            PlainTextContent = mail.Text,
            HtmlContent = mail.Html,
        };
        // SendGrid answers 400 when one address appears twice across to, cc and bcc (a seller buying their own
        // product with a Bcc archive to themselves): each address goes once, in its most visible role.
        HashSet<string> seen = new(StringComparer.OrdinalIgnoreCase) { mail.ToEmail.Trim() };
        message.AddTo(new EmailAddress(mail.ToEmail.Trim(), mail.ToName));
        foreach (string cc in mail.Cc.Select(a => a.Trim()).Where(a => a.Length > 0 && seen.Add(a)))
        {
            message.AddCc(cc);
        }

        foreach (string bcc in mail.Bcc.Select(a => a.Trim()).Where(a => a.Length > 0 && seen.Add(a)))
        {
            message.AddBcc(bcc);
        }

        foreach (MailAttachment attachment in mail.Attachments)
        {
            message.AddAttachment(new Attachment
            {
                // SendGrid wants bare base64: no MIME line breaks (Convert's default adds none).
                Content = Convert.ToBase64String(attachment.Content),
                Filename = attachment.FileName,
                Type = attachment.ContentType,
                Disposition = "attachment",
            });
        }

        if (mail.Headers.Count > 0)
        {
            message.AddGlobalHeaders(new Dictionary<string, string>(mail.Headers));
        }

        // Ties SendGrid's event webhook (delivered, bounced, opened) back to the journey step.
        message.AddGlobalCustomArg("idempotencyKey", mail.IdempotencyKey);
        message.AddGlobalCustomArg("kind", mail.Kind.ToString());

        // Our links are already signed and tracked (/api/go/…); SendGrid's rewriting would break "verbatim".
        message.SetClickTracking(false, false);
        return message;
    }

    /// <summary>"field: message; …" from SendGrid's {"errors":[…]} body, with anything that looks like an address removed.</summary>
    private static async Task<string> ReadErrorsAsync(Response response, CancellationToken cancellationToken)
    {
        if (response.Body is null)
        {
            return "";
        }

        string body;
        try
        {
            body = await response.Body.ReadAsStringAsync(cancellationToken);
        }
        catch (HttpRequestException)
        {
            return "";
        }

        StringBuilder detail = new();
        try
        {
            using JsonDocument json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("errors", out JsonElement errors)
                && errors.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement error in errors.EnumerateArray())
                {
                    string? field = error.TryGetProperty("field", out JsonElement f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
                    string? message = error.TryGetProperty("message", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                    if (message is null)
                    {
                        continue;
                    }

                    detail.Append(detail.Length > 0 ? "; " : "").Append(field is null ? message : $"{field}: {message}");
                }
            }
        }
        catch (JsonException)
        {
            // Not SendGrid's JSON (a proxy's HTML error page): the status code says enough.
        }

        string text = EmailLike().Replace(detail.ToString(), "[address]");
        return text.Length > MaxDetailLength ? text[..MaxDetailLength] : text;
    }

    // The text ends up in logs, the CRM and the seller's Slack: keep buyer addresses out of it.
    [GeneratedRegex(@"[^\s@<>""'(),;:]+@[^\s@<>""'(),;:]+")]
    private static partial Regex EmailLike();

    [LoggerMessage(Level = LogLevel.Information, Message = "SendGrid accepted {Kind} mail {IdempotencyKey} (message id {ProviderMessageId})")]
    private static partial void LogAccepted(ILogger logger, MailKind kind, string idempotencyKey, string providerMessageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SendGrid answered {Status} for {Kind} mail {IdempotencyKey}; the activity will retry")]
    private static partial void LogWillRetry(ILogger logger, MailKind kind, string idempotencyKey, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SendGrid refused {Kind} mail {IdempotencyKey} with {Status}: {Detail}")]
    private static partial void LogRefused(ILogger logger, MailKind kind, string idempotencyKey, int status, string detail);
}
