using Microsoft.Extensions.Logging;
using PostPurchase.Crm;
using PostPurchase.Infrastructure;
using PostPurchase.Mail;
using PostPurchase.Notifications;

namespace PostPurchase.Activities;

/// <summary>
/// Delivers one seller alert, once: the alert's key ("{instance}:alert-…") is its idempotency marker. Slack first;
/// a dead hook sends it by mail instead (<see cref="SellerAlerter"/>).
/// </summary>
public sealed partial class PostSlackAlert(CustomerRepository crm, SellerAlerter seller, ILogger<PostSlackAlert> logger)
{
    public async Task<bool> RunAsync(SlackAlert alert, CancellationToken cancellationToken)
    {
        (string instanceId, string step) = Split(alert.IdempotencyKey);
        if (await crm.IsStepDoneAsync(instanceId, step, cancellationToken))
        {
            return true;
        }

        SellerAlertOutcome outcome;
        try
        {
            outcome = await seller.SendAsync(alert, cancellationToken);
        }
        catch (PermanentDeliveryException ex)
        {
            // Slack's hook is dead and the fallback mail was refused too: retrying cannot help and must not block the journey.
            LogDeadHook(logger, instanceId, ex.Message);
            Telemetry.SlackAlerts.Add(1, new KeyValuePair<string, object?>("outcome", "refused"));
            await crm.MarkStepAsync(instanceId, step, "failed", ex.Message, cancellationToken);
            return false;
        }

        Telemetry.SlackAlerts.Add(1, new KeyValuePair<string, object?>("outcome", outcome == SellerAlertOutcome.Posted ? "posted" : "emailed"));
        await crm.MarkStepAsync(instanceId, step, outcome == SellerAlertOutcome.Posted ? "posted" : "emailed (Slack hook dead)", alert.Headline, cancellationToken);
        return true;
    }

    private static (string InstanceId, string Step) Split(string key)
    {
        int colon = key.LastIndexOf(':');
        return colon > 0 ? (key[..colon], key[(colon + 1)..]) : (key, "alert");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journey {InstanceId}: the seller alert could not be delivered: {Reason}")]
    private static partial void LogDeadHook(ILogger logger, string instanceId, string reason);
}
