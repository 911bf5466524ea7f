using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PostPurchase.Crm;
using PostPurchase.Infrastructure;
using PostPurchase.Journey;
using PostPurchase.Purchases;

namespace PostPurchase.Webhooks;

public enum StartOutcome
{
    Started,
    AlreadyReceived,
}

/// <summary>
/// Starts exactly one journey per payment, however many deliveries arrive and from whichever door.
/// The instance id is the dedupe key; an insert-only claim row in Table Storage closes the race between
/// simultaneous deliveries, and a claim whose journey never appeared (the process died in between) is retried.
/// </summary>
public sealed partial class JourneyStarter(CustomerRepository crm, IOptions<JourneyOptions> options, TimeProvider time, ILogger<JourneyStarter> logger, Catalog catalog)
{
    private static readonly TimeSpan StaleClaim = TimeSpan.FromMinutes(2);

    public async Task<StartOutcome> StartAsync(DurableTaskClient client, Purchase purchase, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(purchase);
        purchase = purchase.Clamped();
        string id = JourneyIds.For(purchase.Provider, purchase.PaymentId);
        if (!await crm.TryClaimAsync(id, cancellationToken) && await this.ClaimStateAsync(client, id, cancellationToken) is var state and not ClaimState.Stale)
        {
            // A refund that came before its purchase left only a refunded marker: the purchase's facts are written once
            // (the status stays refunded) so the seller sees the sale and its refund; nothing starts, nothing is mailed.
            if (state == ClaimState.RefundedFirst && await crm.GetOrderAsync(id, cancellationToken) is null)
            {
                await crm.UpsertOrderAsync(Activities.RecordPurchase.OrderFor(id, purchase, catalog.Find(purchase.Sku, purchase.ProductName)), cancellationToken);
            }

            LogDuplicate(logger, id);
            return StartOutcome.AlreadyReceived;
        }

        if (await this.MergedIntoAsync(id, purchase, cancellationToken) is { } canonical)
        {
            // The same sale already has a journey through another source (webhook vs notice mail): one buyer, one journey.
            await crm.SetAliasAsync(id, canonical, cancellationToken);
            await crm.MarkStepAsync(canonical, $"also-seen:{id}", "merged", purchase.Channel, cancellationToken);
            LogMerged(logger, id, canonical);
            return StartOutcome.AlreadyReceived;
        }

        JourneyInput input = new(PostPurchaseJourney.CurrentVersion, id, purchase, this.Schedule());
        try
        {
            // Dedupe on every state, Completed included: a redelivery never restarts a journey.
            await client.ScheduleNewOrchestrationInstanceAsync(PostPurchaseJourney.Name, input,
                new StartOrchestrationOptions(id).WithDedupeStatuses(
                    OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Suspended,
                    OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated),
                cancellationToken);
        }
        catch (OrchestrationAlreadyExistsException)
        {
            LogDuplicate(logger, id);
            return StartOutcome.AlreadyReceived;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Give the claim back so the provider's retry (we answer 5xx) can start the journey.
            await crm.ReleaseClaimAsync(id, CancellationToken.None);
            throw;
        }

        LogStarted(logger, id, purchase.Provider);
        Telemetry.JourneysStarted.Add(1, new KeyValuePair<string, object?>("provider", purchase.Provider));
        return StartOutcome.Started;
    }

    /// <summary>An explicit re-run from the start (admin action): same order, today's journey version and schedule.</summary>
    public async Task RestartAsync(DurableTaskClient client, JourneyInput previous, CancellationToken cancellationToken)
    {
        JourneyInput input = previous with { Version = PostPurchaseJourney.CurrentVersion, Schedule = this.Schedule() };
        await client.ScheduleNewOrchestrationInstanceAsync(PostPurchaseJourney.Name, input, new StartOrchestrationOptions(input.InstanceId), cancellationToken);
        LogStarted(logger, input.InstanceId, input.Purchase.Provider);
    }

    /// <summary>The schedule frozen into the journey: configuration is read here, never in the orchestrator.</summary>
    public JourneySchedule Schedule()
    {
        JourneyOptions o = options.Value;
        return new JourneySchedule(o.DayLength * o.ReviewAfterDays, o.DayLength * o.ReminderAfterDays, o.DayLength * o.CloseAfterDays)
        {
            // A compressed demo day also compresses the retry back-off.
            FirstRetry = o.DayLength < TimeSpan.FromDays(1) ? TimeSpan.FromSeconds(Math.Max(1, o.DayLength.TotalSeconds / 5)) : TimeSpan.FromSeconds(30),
            FollowUpWindow = SendWindow.Parse(o.FollowUpWindow),
            OfferWindow = SendWindow.Parse(o.OfferWindow),

            // A compressed day runs the buyer's wall clock faster, so send windows keep their meaning in the demo and tests.
            ClockScale = TimeSpan.FromDays(1) / o.DayLength,
            ClockStart = o.WallClockStart,
            ReplyGrace = o.DayLength * (o.ReplyGraceMinutes / (24 * 60)),
            ReminderNeedsDelivery = o.ReminderNeedsDelivery,
        };
    }

    /// <summary>
    /// Claims the purchase's cross-source match keys (insert-only); the journey of another source that owns one of them,
    /// or null when this purchase is the first sighting of its sale.
    /// </summary>
    private async Task<string?> MergedIntoAsync(string id, Purchase purchase, CancellationToken cancellationToken)
    {
        string source = PurchaseMatch.SourceOf(purchase);
        foreach (string key in PurchaseMatch.KeysFor(purchase, catalog))
        {
            (string owner, string ownerSource) = await crm.ClaimMatchAsync(key, id, source, cancellationToken);

            // One source never reports one sale under two ids: the same source means two sales that look alike.
            if (owner != id && ownerSource != source)
            {
                return owner;
            }
        }

        return null;
    }

    /// <summary>Why an existing claim holds, or <see cref="ClaimState.Stale"/> when its journey never appeared and it may be retried.</summary>
    private async Task<ClaimState> ClaimStateAsync(DurableTaskClient client, string id, CancellationToken cancellationToken)
    {
        if (await client.GetInstanceAsync(id, getInputsAndOutputs: false, cancellationToken) is not null)
        {
            return ClaimState.Started;
        }

        if (await crm.IsErasedAsync(id, cancellationToken))
        {
            return ClaimState.Erased;   // erased at the buyer's request: a redelivered event must not recreate it
        }

        if (await crm.IsStepDoneAsync(id, RefundRecorder.Step, cancellationToken))
        {
            return ClaimState.RefundedFirst;   // refunded before its purchase event arrived: it must never start
        }

        DateTimeOffset? claimedAt = await crm.GetClaimTimeAsync(id, cancellationToken);
        return claimedAt is { } at && time.GetUtcNow() - at > StaleClaim ? ClaimState.Stale : ClaimState.Starting;
    }

    private enum ClaimState
    {
        Started,
        Starting,
        Erased,
        RefundedFirst,
        Stale,
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Journey {InstanceId}: already received, nothing started")]
    private static partial void LogDuplicate(ILogger logger, string instanceId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Payment {InstanceId} is a sale already on journey {Canonical}; nothing started")]
    private static partial void LogMerged(ILogger logger, string instanceId, string canonical);

    [LoggerMessage(Level = LogLevel.Information, Message = "Journey {InstanceId} started for a {Provider} payment")]
    private static partial void LogStarted(ILogger logger, string instanceId, string provider);
}
