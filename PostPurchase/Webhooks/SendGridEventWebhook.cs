using System.Text;
using System.Text.Json;
using EllipticCurve;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PostPurchase.Infrastructure;
using SendGrid.Helpers.EventWebhook;

namespace PostPurchase.Webhooks;

/// <summary>One SendGrid event about one of our mails; <see cref="IdempotencyKey"/> is the custom arg "{instance}:{step}".</summary>
public sealed record SendGridEvent(string Event, string? Email, DateTimeOffset At, string? IdempotencyKey, string? Kind, string? Reason, string? Type);

/// <summary>Verified (with its events) or not, with a short reason for the 401/400.</summary>
public sealed record SendGridEventsVerdict(bool Verified, bool Malformed, string? Reason, IReadOnlyList<SendGridEvent> Events)
{
    public static SendGridEventsVerdict Unverified(string reason) => new(false, false, reason, []);
}

/// <summary>
/// Verifies a Signed Event Webhook delivery with the SendGrid package's <see cref="RequestValidator"/> (ECDSA P-256
/// over timestamp + raw body, with the seller's verification key) and reads its events. No timestamp window:
/// SendGrid retries a batch for up to a day, and recording an event twice changes nothing.
/// </summary>
public sealed partial class SendGridEventWebhook(IOptions<SendGridOptions> options, ILogger<SendGridEventWebhook> logger)
{
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";
    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Lazy<PublicKey?> key = new(() => ParseKey(options.Value.EventWebhookPublicKey));

    public SendGridEventsVerdict Handle(ReadOnlySpan<byte> body, string? signature, string? timestamp)
    {
        if (this.key.Value is not { } publicKey)
        {
            LogNoKey(logger);
            return SendGridEventsVerdict.Unverified("event webhook verification key not configured");
        }

        if (string.IsNullOrWhiteSpace(signature) || string.IsNullOrWhiteSpace(timestamp) || !long.TryParse(timestamp, out _))
        {
            return SendGridEventsVerdict.Unverified("missing signature headers");
        }

        string payload;
        try
        {
            payload = StrictUtf8.GetString(body);
        }
        catch (DecoderFallbackException)
        {
            return SendGridEventsVerdict.Unverified("body is not valid UTF-8");
        }

        bool valid;
        try
        {
            valid = new RequestValidator().VerifySignature(publicKey, payload, signature.Trim(), timestamp.Trim());
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or InvalidOperationException or OverflowException)
        {
            valid = false;   // not a base64 DER signature at all
        }

        if (!valid)
        {
            return SendGridEventsVerdict.Unverified("bad signature");
        }

        try
        {
            return new SendGridEventsVerdict(true, false, null, Parse(payload));
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return new SendGridEventsVerdict(true, true, "malformed JSON", []);
        }
    }

    private static List<SendGridEvent> Parse(string payload)
    {
        using JsonDocument json = JsonDocument.Parse(payload);
        if (json.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("SendGrid posts a JSON array of events.");
        }

        List<SendGridEvent> events = [];
        foreach (JsonElement e in json.RootElement.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Object || Text(e, "event") is not { } name)
            {
                continue;
            }

            DateTimeOffset at = e.TryGetProperty("timestamp", out JsonElement t) && t.TryGetInt64(out long seconds)
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : DateTimeOffset.UnixEpoch;
            events.Add(new SendGridEvent(name, Text(e, "email"), at, Text(e, "idempotencyKey"), Text(e, "kind"), Text(e, "reason"), Text(e, "type")));
        }

        return events;
    }

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(v.GetString()) ? v.GetString()!.Trim() : null;

    private static PublicKey? ParseKey(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            return null;
        }

        try
        {
            return new RequestValidator().ConvertPublicKeyToECDSA(base64.Trim());
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            throw new InvalidOperationException("SendGrid:EventWebhookPublicKey is not a base64 ECDSA public key (copy it from Mail Settings → Signed Event Webhook).", ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SendGrid event delivery refused: SendGrid:EventWebhookPublicKey is not set")]
    private static partial void LogNoKey(ILogger logger);
}
