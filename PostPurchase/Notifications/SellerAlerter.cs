using Microsoft.Extensions.Logging;
using PostPurchase.Mail;
using PostPurchase.Purchases;

namespace PostPurchase.Notifications;

public enum SellerAlertOutcome
{
    /// <summary>Slack took it (or the local sink file when no webhook is configured).</summary>
    Posted,

    /// <summary>Slack refused it for good (400/403/404/410): it went to the seller's contact address instead.</summary>
    Emailed,
}

/// <summary>
/// Delivers one alert to the seller. Slack first: a 429 is honoured by waiting Slack's Retry-After (when short) before
/// the next try, never sooner; a hook that is dead for good (400 invalid_payload, 403, 404 channel_not_found,
/// 410 channel_is_archived) is not retried: the alert goes by mail to Seller.ContactEmail, saying the hook is dead.
/// A long or missing Retry-After and 5xx throw <see cref="SlackRetryException"/> for the activity's durable retry.
/// </summary>
public sealed partial class SellerAlerter(
    SlackNotifier slack, IMailSender mail, MailComposer composer, Catalog catalog, TimeProvider time, ILogger<SellerAlerter> logger)
{
    /// <summary>Waits longer than this are left to the durable retry rather than holding an activity.</summary>
    public static readonly TimeSpan MaxInlineWait = TimeSpan.FromSeconds(60);

    public const int MaxInlineAttempts = 3;

    /// <summary>Added to Retry-After: timers may fire a few milliseconds early, and Slack counts from its own clock.</summary>
    private static readonly TimeSpan RetryAfterMargin = TimeSpan.FromMilliseconds(250);

    public async Task<SellerAlertOutcome> SendAsync(SlackAlert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await slack.PostAsync(alert, cancellationToken);
                return SellerAlertOutcome.Posted;
            }
            catch (SlackRetryException ex) when (attempt < MaxInlineAttempts && ex.RetryAfter is { } wait && wait <= MaxInlineWait)
            {
                LogThrottled(logger, alert.IdempotencyKey, wait);
                await Task.Delay(wait + RetryAfterMargin, time, cancellationToken);
            }
            catch (PermanentDeliveryException ex)
            {
                LogDeadHook(logger, alert.IdempotencyKey);
                OutgoingMail fallback = composer.ComposeSellerAlert(new SellerAlertMail(
                    alert.IdempotencyKey,
                    catalog.Seller,
                    alert.Headline,
                    [.. alert.Fields.Select(f => new KeyValuePair<string, string>(f.Label, f.Value))],
                    alert.BuyerText,
                    ex.Message));
                await mail.SendAsync(fallback, cancellationToken);
                return SellerAlertOutcome.Emailed;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Slack throttled seller alert {IdempotencyKey}; trying again after {Wait}")]
    private static partial void LogThrottled(ILogger logger, string idempotencyKey, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Error, Message = "Slack hook is dead; seller alert {IdempotencyKey} goes to the seller by e-mail")]
    private static partial void LogDeadHook(ILogger logger, string idempotencyKey);
}
