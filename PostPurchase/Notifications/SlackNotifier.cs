using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PostPurchase.Infrastructure;
using PostPurchase.Mail;

namespace PostPurchase.Notifications;

/// <summary>
/// Posts seller alerts to a Slack incoming webhook as Block Kit, or appends them to a local JSON Lines file when
/// no webhook is configured. Throws <see cref="SlackRetryException"/> when a later attempt may succeed (429, 5xx)
/// and <see cref="PermanentDeliveryException"/> when the webhook is broken for good (400/403/404/410).
/// </summary>
public sealed partial class SlackNotifier(HttpClient http, IOptions<SlackOptions> options, TimeProvider time, ILogger<SlackNotifier> logger)
{
    // Block Kit limits: https://api.slack.com/reference/block-kit/blocks
    internal const int HeaderMax = 150;
    internal const int SectionTextMax = 3000;
    internal const int FieldTextMax = 2000;
    internal const int FieldsPerSection = 10;
    internal const int MaxBlocks = 50;
    private const int LabelMax = 100;
    private const int BodyEchoMax = 200;

    public async Task PostAsync(SlackAlert alert, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentException.ThrowIfNullOrWhiteSpace(alert.Headline);

        SlackMessage message = Compose(alert);
        SlackOptions settings = options.Value;

        if (string.IsNullOrWhiteSpace(settings.WebhookUrl))
        {
            SlackSinkEntry entry = new(alert.IdempotencyKey, time.GetUtcNow(), message.Text, message.Blocks);
            await SlackFileSink.AppendAsync(settings.SinkPath, entry, ct);
            this.LogWrittenToSink(alert.IdempotencyKey, settings.SinkPath);
            return;
        }

        if (!Uri.TryCreate(settings.WebhookUrl, UriKind.Absolute, out Uri? webhook))
        {
            // Never echo the value: it is a secret, and a malformed one is still mostly the secret.
            throw new PermanentDeliveryException("Slack:WebhookUrl is not an absolute URL; fix the setting (the alert was not posted).");
        }

        using ByteArrayContent content = new(JsonSerializer.SerializeToUtf8Bytes(message, SlackJson.Readable.SlackMessage));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using HttpResponseMessage response = await http.PostAsync(webhook, content, ct);

        int status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            this.LogPosted(alert.IdempotencyKey);
            return;
        }

        string body = await ReadBodyAsync(response, ct);
        if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || status >= 500)
        {
            TimeSpan? retryAfter = this.RetryAfter(response);
            this.LogRetryable(alert.IdempotencyKey, status, retryAfter);
            throw new SlackRetryException(retryAfter, $"Slack webhook answered {status} {body}; try again later.");
        }

        // 400 invalid_payload, 403 action_prohibited, 404 channel_not_found, 410 channel_is_archived, and any other
        // refusal: the destination or the payload is wrong, so repeating the same POST cannot help.
        this.LogRefused(alert.IdempotencyKey, status);
        throw new PermanentDeliveryException($"Slack webhook refused the alert: {status} {body}");
    }

    /// <summary>The Block Kit message for an alert; every buyer-influenced string is escaped and fitted to Slack's limits.</summary>
    internal static SlackMessage Compose(SlackAlert alert)
    {
        List<SlackBlock> blocks = [SlackBlock.Header(SlackMrkdwn.Plain(alert.Headline, HeaderMax))];

        List<SlackTextObject> fields = [.. alert.Fields.Select(FieldText)];
        int roomForFields = MaxBlocks - 2; // the header and the quote
        blocks.AddRange(fields.Chunk(FieldsPerSection).Take(roomForFields).Select(chunk => SlackBlock.Section(chunk)));

        if (!string.IsNullOrWhiteSpace(alert.BuyerText))
        {
            blocks.Add(SlackBlock.Section(SlackTextObject.Mrkdwn(SlackMrkdwn.Quote(alert.BuyerText, SectionTextMax))));
        }

        // The top-level text is what notifications and unfurl-less clients show, and Slack parses it as mrkdwn: escape it too.
        string fallback = string.Join('\n', alert.Fields.Select(f => $"{f.Label}: {f.Value}").Prepend(alert.Headline));
        return new SlackMessage(SlackMrkdwn.Escape(fallback, SectionTextMax), blocks);
    }

    private static SlackTextObject FieldText(SlackField field)
    {
        string label = "*" + SlackMrkdwn.Escape(OrDash(field.Label), LabelMax) + "*\n";
        return SlackTextObject.Mrkdwn(label + SlackMrkdwn.Escape(OrDash(field.Value), FieldTextMax - label.Length));
    }

    // Slack rejects empty text objects (invalid_blocks), so an empty value still shows something.
    private static string OrDash(string? value) => string.IsNullOrWhiteSpace(value) ? "-" : value;

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        string body = (await response.Content.ReadAsStringAsync(ct)).Trim();
        return body.Length <= BodyEchoMax ? body : body[..BodyEchoMax] + SlackMrkdwn.Ellipsis;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        RetryConditionHeaderValue? header = response.Headers.RetryAfter;
        TimeSpan? wait = header?.Delta ?? (header?.Date - time.GetUtcNow());
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Slack alert {IdempotencyKey} posted")]
    private partial void LogPosted(string idempotencyKey);

    [LoggerMessage(Level = LogLevel.Information, Message = "Slack alert {IdempotencyKey} appended to {SinkPath} (no Slack:WebhookUrl configured)")]
    private partial void LogWrittenToSink(string idempotencyKey, string sinkPath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack alert {IdempotencyKey} not posted yet: status {Status}, retry after {RetryAfter}")]
    private partial void LogRetryable(string idempotencyKey, int status, TimeSpan? retryAfter);

    [LoggerMessage(Level = LogLevel.Error, Message = "Slack alert {IdempotencyKey} refused for good: status {Status}")]
    private partial void LogRefused(string idempotencyKey, int status);
}

/// <summary>Slack could not take the alert now (429 or 5xx); <see cref="RetryAfter"/> is Slack's Retry-After when it sent one.</summary>
public sealed class SlackRetryException(TimeSpan? retryAfter, string? message = null)
    : Exception(message ?? "Slack is throttling or unavailable; try again later.")
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
