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
/// Catches payments whose webhook never arrived: lists recent successful payments at Stripe (PaymentIntents) and at
/// Toss (DONE transactions), each source whose key is configured, and sends each payment the journey does not know
/// through the same verdict and starter as its webhook, so the two paths can never start two journeys for one payment.
/// </summary>
public sealed partial class PaymentReconciler(
    IStripeClient stripe,
    IOptions<StripeOptions> options,
    StripeWebhookHandler handler,
    IOptions<TossOptions> tossOptions,
    TossWebhookHandler toss,
    JourneyStarter starter,
    CustomerRepository crm,
    TimeProvider time,
    ILogger<PaymentReconciler> logger)
{
    /// <summary>True when at least one source can be listed.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(options.Value.ApiKey) || !string.IsNullOrWhiteSpace(tossOptions.Value.SecretKey);

    public async Task<ReconcileReport> ReconcileAsync(DurableTaskClient client, TimeSpan lookback, CancellationToken cancellationToken)
    {
        if (!this.IsConfigured)
        {
            return new ReconcileReport(0, 0, 0, 0, "neither Stripe:ApiKey nor Toss:SecretKey is set; nothing to list");
        }

        ReconcileReport stripeReport = await this.StripeAsync(client, lookback, cancellationToken);
        ReconcileReport tossReport = await this.TossAsync(client, lookback, cancellationToken);
        return new ReconcileReport(
            stripeReport.Listed + tossReport.Listed,
            stripeReport.AlreadyKnown + tossReport.AlreadyKnown,
            stripeReport.Started + tossReport.Started,
            stripeReport.Skipped + tossReport.Skipped);
    }

    private async Task<ReconcileReport> TossAsync(DurableTaskClient client, TimeSpan lookback, CancellationToken cancellationToken)
    {
        int known = 0, started = 0, skipped = 0;
        IReadOnlyList<string> paid = await toss.ListPaidSinceAsync(time.GetUtcNow() - lookback, cancellationToken);
        foreach (string paymentKey in paid)
        {
            string id = JourneyIds.For(TossWebhookHandler.Provider, paymentKey);
            if (await crm.GetClaimTimeAsync(id, cancellationToken) is not null)
            {
                known++;
                continue;
            }

            // Re-read like the webhook path: the list says DONE, the payment itself names the buyer and the amount.
            WebhookVerdict verdict = await toss.ConfirmAsync(paymentKey, cancellationToken);
            if (await this.StartMissedAsync(client, id, verdict, cancellationToken))
            {
                started++;
            }
            else
            {
                skipped++;
            }
        }

        return new ReconcileReport(paid.Count, known, started, skipped);
    }

    private async Task<ReconcileReport> StripeAsync(DurableTaskClient client, TimeSpan lookback, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.ApiKey))
        {
            return new ReconcileReport(0, 0, 0, 0);
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
            if (await this.StartMissedAsync(client, id, verdict, cancellationToken))
            {
                started++;
            }
            else
            {
                skipped++;
            }
        }

        return new ReconcileReport(listed, known, started, skipped);
    }

    /// <summary>Starts the journey of a payment the webhooks never delivered; false when there is nothing to start (not a purchase, or already on a journey).</summary>
    private async Task<bool> StartMissedAsync(DurableTaskClient client, string id, WebhookVerdict verdict, CancellationToken cancellationToken)
    {
        if (verdict.Purchase is not { } purchase || await starter.StartAsync(client, purchase, cancellationToken) != StartOutcome.Started)
        {
            return false;
        }

        LogRecovered(logger, id);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journey {InstanceId} started by reconciliation: its webhook never arrived")]
    private static partial void LogRecovered(ILogger logger, string instanceId);
}
