using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using PostPurchase.Crm;
using PostPurchase.Journey;
using PostPurchase.Purchases;

namespace PostPurchase.Webhooks;

/// <summary>
/// A refund from any provider: the CRM says refunded at once (activities check it before mailing) and the
/// journey is told, so it stops waiting and closes. A refund that beats its purchase event claims the
/// instance id, so the late purchase event starts nothing.
/// </summary>
public sealed partial class RefundRecorder(CustomerRepository crm, ILogger<RefundRecorder> logger)
{
    public const string Step = "refund";

    public async Task RecordAsync(DurableTaskClient client, Refund refund, CancellationToken cancellationToken)
    {
        string paymentJourney = JourneyIds.For(refund.Provider, refund.PaymentId);

        // A payment merged into another source's journey (same sale) is refunded on that journey.
        string id = await crm.GetAliasAsync(paymentJourney, cancellationToken) ?? paymentJourney;
        await crm.TryClaimAsync(id, cancellationToken);
        await crm.MarkStepAsync(id, Step, "refunded", refund.Amount.ToString(), cancellationToken);
        await crm.SetStatusAsync(id, OrderStatus.Refunded, cancellationToken);
        await crm.AddTagsAsync(id, [CrmTags.Refunded], cancellationToken);

        OrchestrationMetadata? journey = await client.GetInstanceAsync(id, getInputsAndOutputs: false, cancellationToken);
        if (journey is { IsRunning: true } || journey?.RuntimeStatus == OrchestrationRuntimeStatus.Pending)
        {
            await client.RaiseEventAsync(id, JourneyEvents.Refunded, new RefundNotice(refund.RefundedAt), cancellationToken);
        }

        LogRefunded(logger, id, journey is not null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Journey {InstanceId}: refund recorded (journey exists: {HasJourney})")]
    private static partial void LogRefunded(ILogger logger, string instanceId, bool hasJourney);
}
