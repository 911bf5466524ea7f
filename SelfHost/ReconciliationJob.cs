using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using PostPurchase.Infrastructure;
using PostPurchase.Webhooks;

namespace PostPurchase.SelfHost;

/// <summary>SelfHost's counterpart of the Functions timer: every interval, start journeys for paid orders whose webhook never came.</summary>
public sealed partial class ReconciliationJob(
    PaymentReconciler reconciler, DurableTaskClient client, IOptions<ReconciliationOptions> options, ILogger<ReconciliationJob> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ReconciliationOptions o = options.Value;
        if (!o.Enabled || !reconciler.IsConfigured)
        {
            return;   // nothing to list without a key
        }

        using PeriodicTimer timer = new(o.Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                ReconcileReport report = await reconciler.ReconcileAsync(client, o.Lookback, stoppingToken);
                LogRun(logger, report.Listed, report.Started);
            }
            catch (Exception ex) when (ex is HttpRequestException or Stripe.StripeException or Azure.RequestFailedException or System.Text.Json.JsonException)
            {
                // The next tick tries again; a provider outage must not stop the job.
                LogFailed(logger, ex.GetType().Name);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconciliation listed {Listed} payments and started {Started} missed journeys")]
    private static partial void LogRun(ILogger logger, int listed, int started);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation run failed ({Error}); the next run retries")]
    private static partial void LogFailed(ILogger logger, string error);
}
