using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PostPurchase.Crm;
using PostPurchase.Infrastructure;
using PostPurchase.Journey;
using Stripe;

namespace PostPurchase.Webhooks;

public sealed record ReconcileReport(int Listed, int AlreadyKnown, int Started, int Skipped, string? Note = null);

/// <summary>
/// Catches payments whose webhook never arrived: lists recent successful PaymentIntents through the Stripe API
/// and sends each one the journey does not know through the same verdict and starter as the webhook, so the two
/// paths can never start two journeys for one payment.
/// </summary>
public sealed partial class StripeReconciler(
    IStripeClient stripe,
    IOptions<StripeOptions> options,
    StripeWebhookHandler handler,
    JourneyStarter starter,
    CustomerRepository crm,
    TimeProvider time,
    ILogger<StripeReconciler> logger)
{
    public async Task<ReconcileReport> ReconcileAsync(DurableTaskClient client, TimeSpan lookback, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.ApiKey))
        {
            return new ReconcileReport(0, 0, 0, 0, "Stripe:ApiKey is not set; nothing to list");
        }

        int listed = 0, known = 0, started = 0, skipped = 0;
        PaymentIntentListOptions query = new()
        {
            Created = new DateRangeOptions { GreaterThanOrEqual = (time.GetUtcNow() - lookback).UtcDateTime },
            Limit = 100,
        };
        await foreach (PaymentIntent intent in new PaymentIntentService(stripe).ListAutoPagingAsync(query, cancellationToken: cancellationToken))
        {
            if (intent.Status != "succeeded")
            {
                continue;
            }

            listed++;
            string id = JourneyIds.For(StripeWebhookHandler.Provider, intent.Id);
            if (await crm.GetClaimTimeAsync(id, cancellationToken) is not null)
            {
                known++;
                continue;
            }

            Event synthetic = new()
            {
                Id = $"reconcile-{intent.Id}",
                Type = EventTypes.PaymentIntentSucceeded,
                Created = intent.Created,
                Data = new EventData { Object = intent },
            };
            WebhookVerdict verdict = await handler.ToVerdictAsync(synthetic, cancellationToken);
            if (verdict.Purchase is { } purchase && await starter.StartAsync(client, purchase, cancellationToken) == StartOutcome.Started)
            {
                started++;
                LogRecovered(logger, id);
            }
            else
            {
                skipped++;
            }
        }

        return new ReconcileReport(listed, known, started, skipped);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journey {InstanceId} started by reconciliation: its webhook never arrived")]
    private static partial void LogRecovered(ILogger logger, string instanceId);
}
