using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PostPurchase.Crm;
using PostPurchase.Infrastructure;
using PostPurchase.Journey;
using PostPurchase.Mail;
using PostPurchase.Notifications;
using PostPurchase.Webhooks;

namespace PostPurchase.BuyerActions;

/// <summary>
/// Applies SendGrid's events to the CRM: the first time of each signal per order and mail step; a hard bounce, a
/// drop for a bad address or a spam report stops all further mail to the address (and tells the seller once); an
/// unsubscribe through SendGrid opts the buyer out of offers, like our own link.
/// </summary>
public sealed partial class EngagementRecorder(
    CustomerRepository crm, SellerAlerter seller, IOptions<SendGridOptions> options, ILogger<EngagementRecorder> logger)
{
    public async Task<int> RecordAsync(IReadOnlyList<SendGridEvent> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        int recorded = 0;
        foreach (SendGridEvent e in events)
        {
            if (!CustomerRepository.TrackedMailEvents.Contains(e.Event) || Split(e.IdempotencyKey) is not { } key)
            {
                continue;   // "processed", "deferred", or a mail that is not one of ours
            }

            await crm.RecordMailEventAsync(key.InstanceId, new MailEvent(key.Step, e.Event, e.At, e.Reason), cancellationToken);
            recorded++;
            if (StopReason(e) is { } why && !string.IsNullOrWhiteSpace(e.Email))
            {
                await this.StopAsync(key.InstanceId, key.Step, e, why, cancellationToken);
            }
            else if (e.Event is "unsubscribe" or "group_unsubscribe")
            {
                await crm.AddTagsAsync(key.InstanceId, [CrmTags.Unsubscribed], cancellationToken);
            }
        }

        return recorded;
    }

    /// <summary>Why this event means the address must get no more mail; null when it does not.</summary>
    internal static string? StopReason(SendGridEvent e) => e.Event switch
    {
        // "blocked" is the receiving server refusing for now (reputation, content); the address itself may be fine.
        "bounce" when !string.Equals(e.Type, "blocked", StringComparison.OrdinalIgnoreCase) => "bounce",
        "dropped" when e.Reason is { } r && (r.Contains("bounce", StringComparison.OrdinalIgnoreCase)
                                             || r.Contains("invalid", StringComparison.OrdinalIgnoreCase)
                                             || r.Contains("spam", StringComparison.OrdinalIgnoreCase)) => "dropped",
        "spamreport" => "spamreport",
        _ => null,
    };

    private async Task StopAsync(string instanceId, string step, SendGridEvent e, string why, CancellationToken cancellationToken)
    {
        await crm.StopMailAsync(e.Email!, why, cancellationToken);
        if (await crm.IsStepDoneAsync(instanceId, "mail-stopped", cancellationToken))
        {
            return;   // a redelivered batch or a second bounce: the seller already knows
        }

        await crm.MarkStepAsync(instanceId, "mail-stopped", why, step, cancellationToken);
        OrderRecord? order = await crm.GetOrderAsync(instanceId, cancellationToken);
        bool aboutBuyer = order?.BuyerEmail is { } buyer && string.Equals(buyer.Trim(), e.Email!.Trim(), StringComparison.OrdinalIgnoreCase);
        if (!options.Value.AlertSellerOnBounce || order is null || !aboutBuyer || e.Kind == nameof(MailKind.SellerAlert))
        {
            return;
        }

        SlackAlert alert = SellerAlerts.MailStopped(order, step, why, e.Reason);
        try
        {
            SellerAlertOutcome outcome = await seller.SendAsync(alert, cancellationToken);
            await crm.MarkStepAsync(instanceId, "alert-mail-stopped", outcome == SellerAlertOutcome.Posted ? "posted" : "emailed (Slack hook dead)", alert.Headline, cancellationToken);
        }
        catch (Exception ex) when (ex is SlackRetryException or PermanentDeliveryException or HttpRequestException or TaskCanceledException)
        {
            // SendGrid must get its 2xx: the CRM already shows the stop, and a seller alert is never worth a redelivery loop.
            LogAlertLost(logger, instanceId, ex.GetType().Name);
        }
    }

    private static (string InstanceId, string Step)? Split(string? key)
    {
        int colon = key?.LastIndexOf(':') ?? -1;
        return colon > 0 && colon < key!.Length - 1 ? (key[..colon], key[(colon + 1)..]) : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journey {InstanceId}: the seller could not be told about the stopped address ({ErrorType})")]
    private static partial void LogAlertLost(ILogger logger, string instanceId, string errorType);
}
