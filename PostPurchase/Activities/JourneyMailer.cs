using Microsoft.Extensions.Logging;
using PostPurchase.BuyerActions;
using PostPurchase.Crm;
using PostPurchase.Infrastructure;
using PostPurchase.Journey;
using PostPurchase.Mail;
using PostPurchase.Notifications;
using PostPurchase.Purchases;

namespace PostPurchase.Activities;

/// <summary>
/// The body shared by the mail activities: skip a step already sent (idempotent by "{instance}:{step}"),
/// skip a refunded order, build the signed links, compose, send, mark the step done.
/// A permanent refusal marks the order mail-failed and tells the seller instead of retrying.
/// </summary>
public sealed partial class JourneyMailer(
    CustomerRepository crm,
    Catalog catalog,
    LinkSigner links,
    MailComposer composer,
    IMailSender sender,
    SlackNotifier slack,
    ILogger<JourneyMailer> logger)
{
    public async Task<bool> SendAsync(JourneyInput input, MailKind kind, string step, CancellationToken cancellationToken)
    {
        string id = input.InstanceId;
        if (await crm.IsStepDoneAsync(id, step, cancellationToken))
        {
            LogAlreadySent(logger, id, step);
            return true;
        }

        OrderRecord? order = await crm.GetOrderAsync(id, cancellationToken);
        if (order?.Status == OrderStatus.Refunded)
        {
            await crm.MarkStepAsync(id, step, "skipped-refunded", null, cancellationToken);
            return false;
        }

        Purchase purchase = input.Purchase;
        Product product = catalog.Find(purchase.Sku, purchase.ProductName)
            ?? throw new InvalidOperationException($"Product of {id} is no longer in the catalog.");
        if (kind == MailKind.NextProductOffer && (product.OfferFor(purchase.Buyer.Locale) is null || IsUnsubscribed(order)))
        {
            await crm.MarkStepAsync(id, step, product.OfferFor(purchase.Buyer.Locale) is null ? "skipped-no-offer" : "skipped-unsubscribed", null, cancellationToken);
            return false;
        }

        OutgoingMail mail = composer.Compose(new JourneyMail(kind, $"{id}:{step}", purchase, product, catalog.Seller, this.LinksFor(id, product, purchase.Buyer.Locale, kind)));
        try
        {
            await sender.SendAsync(mail, cancellationToken);
        }
        catch (PermanentDeliveryException ex)
        {
            LogRefused(logger, id, step, ex.Message);
            Telemetry.MailsFailed.Add(1, new KeyValuePair<string, object?>("kind", kind.ToString()));
            await crm.SetStatusAsync(id, OrderStatus.MailFailed, cancellationToken);
            await crm.MarkStepAsync(id, step, "failed", ex.Message, cancellationToken);
            await this.TellSellerAsync(input, step, ex.Message, cancellationToken);
            return false;
        }

        Telemetry.MailsSent.Add(1, new KeyValuePair<string, object?>("kind", kind.ToString()));
        await crm.MarkStepAsync(id, step, "sent", mail.Subject, cancellationToken);
        return true;
    }

    private JourneyLinks LinksFor(string id, Product product, string locale, MailKind kind)
    {
        IReadOnlyList<ProductLink> access = [.. product.CopyFor(locale).AccessLinks
            .Select((link, index) => link with { Url = links.Url(new LinkClaim(LinkPurpose.Access, id, index)) })];
        IReadOnlyList<ScoreLink> survey = kind == MailKind.ReviewRequest
            ? [.. Enumerable.Range(1, 5).Select(score => new ScoreLink(score, links.Url(new LinkClaim(LinkPurpose.Survey, id, score))))]
            : [];
        string? unsubscribe = kind == MailKind.NextProductOffer ? links.Url(new LinkClaim(LinkPurpose.Unsubscribe, id, 0)) : null;
        return new JourneyLinks(access, survey, unsubscribe);
    }

    private static bool IsUnsubscribed(OrderRecord? order) =>
        order?.Tags.Contains(CrmTags.Unsubscribed, StringComparer.OrdinalIgnoreCase) == true;

    private async Task TellSellerAsync(JourneyInput input, string step, string reason, CancellationToken cancellationToken)
    {
        SlackAlert alert = SellerAlerts.StepFailed(input, step, $"mail refused: {reason}");
        try
        {
            await slack.PostAsync(alert, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or PermanentDeliveryException or TaskCanceledException)
        {
            // The CRM already says mail-failed; a dead Slack hook must not turn a refused mail into a retry loop.
            LogAlertLost(logger, input.InstanceId, ex.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Journey {InstanceId}: step {Step} already sent, skipped")]
    private static partial void LogAlreadySent(ILogger logger, string instanceId, string step);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journey {InstanceId}: mail provider refused step {Step}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string instanceId, string step, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Journey {InstanceId}: seller alert could not be posted ({Error})")]
    private static partial void LogAlertLost(ILogger logger, string instanceId, string error);
}
