using Microsoft.Extensions.Logging;
using PostPurchase.Crm;
using PostPurchase.Infrastructure;
using PostPurchase.Mail;
using PostPurchase.Notifications;

namespace PostPurchase.Activities;

/// <summary>Posts one seller alert, once: the alert's key ("{instance}:alert-…") is its idempotency marker.</summary>
public sealed partial class PostSlackAlert(CustomerRepository crm, SlackNotifier slack, ILogger<PostSlackAlert> logger)
{
    public async Task<bool> RunAsync(SlackAlert alert, CancellationToken cancellationToken)
    {
        (string instanceId, string step) = Split(alert.IdempotencyKey);
        if (await crm.IsStepDoneAsync(instanceId, step, cancellationToken))
        {
            return true;
        }

        try
        {
            await slack.PostAsync(alert, cancellationToken);
        }
        catch (PermanentDeliveryException ex)
        {
            // The hook is dead (archived channel, revoked URL): retrying cannot help and must not block the journey.
            LogDeadHook(logger, instanceId, ex.Message);
            Telemetry.SlackAlerts.Add(1, new KeyValuePair<string, object?>("outcome", "refused"));
            await crm.MarkStepAsync(instanceId, step, "failed", ex.Message, cancellationToken);
            return false;
        }

        Telemetry.SlackAlerts.Add(1, new KeyValuePair<string, object?>("outcome", "posted"));
        await crm.MarkStepAsync(instanceId, step, "posted", alert.Headline, cancellationToken);
        return true;
    }

    private static (string InstanceId, string Step) Split(string key)
    {
        int colon = key.LastIndexOf(':');
        return colon > 0 ? (key[..colon], key[(colon + 1)..]) : (key, "alert");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journey {InstanceId}: Slack refused the alert: {Reason}")]
    private static partial void LogDeadHook(ILogger logger, string instanceId, string reason);
}
