using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using PostPurchase.Crm;

namespace PostPurchase.Http;

/// <summary>The seller's view of one order: where its journey stands, every step with its time, and the CRM record.</summary>
public sealed class AdminDoors(CustomerRepository crm)
{
    public async Task<IResult> OrderAsync(string orderId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        OrderRecord? order = await crm.GetOrderAsync(orderId, cancellationToken);
        // With inputs and outputs: the custom status (the stage) only comes along with them.
        OrchestrationMetadata? journey = await client.GetInstanceAsync(orderId, getInputsAndOutputs: true, cancellationToken);
        if (order is null && journey is null)
        {
            return Results.NotFound(new DoorAnswer("not found", "no order or journey with this id"));
        }

        IReadOnlyList<TimelineEntry> timeline = await crm.GetTimelineAsync(orderId, cancellationToken);
        return Results.Ok(new OrderView(
            orderId,
            journey?.SerializedCustomStatus?.Trim('"'),
            journey?.RuntimeStatus.ToString(),
            journey?.CreatedAt,
            journey?.LastUpdatedAt,
            timeline,
            order));
    }
}

public sealed record OrderView(
    string OrderId,
    string? Stage,
    string? RuntimeStatus,
    DateTimeOffset? StartedAt,
    DateTimeOffset? LastUpdatedAt,
    IReadOnlyList<TimelineEntry> Timeline,
    OrderRecord? Crm);
