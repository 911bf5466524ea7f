using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using PostPurchase.Infrastructure;
using PostPurchase.Webhooks;

namespace PostPurchase.Http;

/// <summary>
/// What every payment door does with a provider's request: read the exact bytes, ask the provider's handler
/// for a verdict, then start the journey or record the refund. 400 only for "not from the provider";
/// 2xx for everything verified (ignored types and duplicates included); 5xx only when we could not record.
/// </summary>
public sealed partial class PaymentDoors(StripeWebhookHandler stripe, JourneyStarter starter, RefundRecorder refunds, ILogger<PaymentDoors> logger)
{
    public async Task<IResult> StripeAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        byte[]? body = await RequestBody.ReadAsync(request, RequestBody.MaxWebhookBytes, cancellationToken);
        WebhookVerdict verdict = body is null
            ? WebhookVerdict.Rejected("body too large")
            : await stripe.HandleAsync(body, request.Headers["Stripe-Signature"].ToString(), cancellationToken);
        return await this.ActAsync("stripe", verdict, client, cancellationToken);
    }

    private async Task<IResult> ActAsync(string provider, WebhookVerdict verdict, DurableTaskClient client, CancellationToken cancellationToken)
    {
        switch (verdict.Kind)
        {
            case VerdictKind.Rejected:
                LogRejected(logger, provider, verdict.Reason);
                Telemetry.WebhookRejections.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("reason", verdict.Reason));
                return Results.BadRequest(new DoorAnswer("rejected", verdict.Reason));
            case VerdictKind.Purchase when verdict.Purchase is { } purchase:
                StartOutcome started = await starter.StartAsync(client, purchase, cancellationToken);
                return Results.Ok(new DoorAnswer(started == StartOutcome.Started ? "accepted" : "already received", null));
            case VerdictKind.Refund when verdict.Refund is { } refund:
                await refunds.RecordAsync(client, refund, cancellationToken);
                return Results.Ok(new DoorAnswer("refund recorded", null));
            default:
                return Results.Ok(new DoorAnswer("ignored", verdict.Reason));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Provider} webhook: {Reason}")]
    private static partial void LogRejected(ILogger logger, string provider, string reason);
}

/// <summary>The short answer a provider gets; never a Durable management URL.</summary>
public sealed record DoorAnswer(string Status, string? Reason);
