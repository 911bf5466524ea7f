using PostPurchase.Crm;
using PostPurchase.Infrastructure;
using PostPurchase.Journey;

namespace PostPurchase.Activities;

/// <summary>Writes the journey's end into the CRM status, so the seller's views show how every order ended.</summary>
public sealed class CloseJourney(CustomerRepository crm)
{
    public async Task<bool> RunAsync(JourneyClosed input, CancellationToken cancellationToken)
    {
        string status = input.Outcome switch
        {
            JourneyOutcome.Refunded => OrderStatus.Refunded,
            JourneyOutcome.NoReply => OrderStatus.NoReply,
            JourneyOutcome.NeedsReview => (await crm.GetOrderAsync(input.InstanceId, cancellationToken))?.Status ?? OrderStatus.NeedsReview,
            _ => OrderStatus.Completed,
        };
        await crm.SetStatusAsync(input.InstanceId, status, cancellationToken);
        await crm.MarkStepAsync(input.InstanceId, nameof(CloseJourney), input.Outcome.ToString(), null, cancellationToken);
        Telemetry.JourneysCompleted.Add(1, new KeyValuePair<string, object?>("outcome", input.Outcome.ToString()));
        return true;
    }
}
