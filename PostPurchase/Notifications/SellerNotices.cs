using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PostPurchase.Crm;
using PostPurchase.Mail;

namespace PostPurchase.Notifications;

/// <summary>
/// Slack alerts raised by a door rather than by a journey (a forged Toss webhook, a mail that is not a receipt).
/// Each is posted once per idempotency key: a marker row in the payment-sources table makes a redelivery silent. Slack being down never
/// fails the door: the alert is logged and dropped, the provider still gets its answer.
/// </summary>
public sealed partial class SellerNotices(IServiceProvider services, CustomerRepository crm, ILogger<SellerNotices> logger)
{
    /// <summary>Posts <paramref name="alert"/> unless an alert with its idempotency key was already posted.</summary>
    public async Task PostOnceAsync(SlackAlert alert, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(alert);
        string step = alert.IdempotencyKey;
        try
        {
            if (await crm.IsNoticePostedAsync(alert.IdempotencyKey, cancellationToken))
            {
                return;
            }

            // Resolved per call: SlackNotifier is a typed HTTP client and must not live as long as this singleton.
            await services.GetRequiredService<SlackNotifier>().PostAsync(alert, cancellationToken);
            await crm.MarkNoticePostedAsync(alert.IdempotencyKey, alert.Headline, cancellationToken);
        }
        catch (Exception ex) when (ex is SlackRetryException or PermanentDeliveryException or HttpRequestException or Azure.RequestFailedException or IOException)
        {
            LogNotPosted(logger, step, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Seller alert {Step} could not be posted ({ErrorType}); the delivery is answered anyway")]
    private static partial void LogNotPosted(ILogger logger, string step, string errorType);
}
