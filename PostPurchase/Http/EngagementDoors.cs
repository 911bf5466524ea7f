using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PostPurchase.BuyerActions;
using PostPurchase.Webhooks;

namespace PostPurchase.Http;

/// <summary>
/// POST /api/webhooks/sendgrid-events: SendGrid's Signed Event Webhook. 401 when the ECDSA signature does not verify
/// (or no key is configured), 400 for a signed body that is not SendGrid's JSON, 200 once recorded; a CRM failure
/// escapes as 5xx, and SendGrid retries the batch.
/// </summary>
public sealed partial class EngagementDoors(SendGridEventWebhook handler, EngagementRecorder recorder, ILogger<EngagementDoors> logger)
{
    /// <summary>SendGrid batches up to a few thousand events per POST.</summary>
    public const int MaxEventBytes = 4 * 1024 * 1024;

    public async Task<IResult> SendGridEventsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        byte[]? body = await RequestBody.ReadAsync(request, MaxEventBytes, cancellationToken);
        if (body is null)
        {
            return Results.BadRequest(new DoorAnswer("rejected", "body too large"));
        }

        SendGridEventsVerdict verdict = handler.Handle(
            body, request.Headers[SendGridEventWebhook.SignatureHeader].ToString(), request.Headers[SendGridEventWebhook.TimestampHeader].ToString());
        if (!verdict.Verified)
        {
            LogRejected(logger, verdict.Reason ?? "");
            return Results.Json(new DoorAnswer("rejected", verdict.Reason), statusCode: StatusCodes.Status401Unauthorized);
        }

        if (verdict.Malformed)
        {
            return Results.BadRequest(new DoorAnswer("rejected", verdict.Reason));
        }

        int recorded = await recorder.RecordAsync(verdict.Events, cancellationToken);
        LogRecorded(logger, recorded, verdict.Events.Count);
        return Results.Ok(new DoorAnswer("recorded", null));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected SendGrid event delivery: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "SendGrid events: {Recorded} of {Count} recorded")]
    private static partial void LogRecorded(ILogger logger, int recorded, int count);
}
