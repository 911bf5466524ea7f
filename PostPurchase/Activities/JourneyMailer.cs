using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
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
    SellerAlerter seller,
    IOptions<SendGridOptions> mailOptions,
    TimeProvider time,
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

        // A bounce or spam report stopped all mail to this address, for every order and every kind of mail.
        if (purchase.Buyer.Email is { Length: > 0 } email && await crm.GetMailStopAsync(email, cancellationToken) is { } stopped)
        {
            await crm.MarkStepAsync(id, step, "skipped-mail-stopped", stopped, cancellationToken);
            return false;
        }

        Product product = catalog.Find(purchase.Sku, purchase.ProductName)
            ?? throw new InvalidOperationException($"Product of {id} is no longer in the catalog.");
        if (kind == MailKind.NextProductOffer && await this.WhyNoOfferAsync(id, product, purchase, order, cancellationToken) is { } skipped)
        {
            await crm.MarkStepAsync(id, step, skipped, null, cancellationToken);
            return false;
        }

        OutgoingMail mail = composer.Compose(new JourneyMail(kind, $"{id}:{step}", purchase, product, catalog.Seller, LinksFor(links, id, product, purchase.Buyer.Locale, kind, time.GetUtcNow().AddDays(mailOptions.Value.DownloadLinkDays))));
        if (!string.IsNullOrWhiteSpace(mailOptions.Value.BccEmail))
        {
            mail = mail with { Bcc = [mailOptions.Value.BccEmail.Trim()] };
        }

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

    /// <summary>An offer is advertising: it needs an offer in the catalog, recorded consent and no opt-out (this order or any of the buyer's).</summary>
    private async Task<string?> WhyNoOfferAsync(string id, Product product, Purchase purchase, OrderRecord? order, CancellationToken cancellationToken)
    {
        if (product.OfferFor(purchase.Buyer.Locale) is null)
        {
            return "skipped-no-offer";
        }

        bool optedOut = IsUnsubscribed(order?.Tags)
            || (purchase.Buyer.Email is { Length: > 0 } email && IsUnsubscribed((await crm.GetCustomerAsync(email, cancellationToken))?.Tags));
        if (optedOut)
        {
            return "skipped-unsubscribed";
        }

        return await crm.GetMarketingConsentAsync(id, cancellationToken) is null ? "skipped-no-consent" : null;
    }

    /// <summary>The signed links of one mail; <paramref name="fileLinkExpires"/> ends the PDF download link.</summary>
    internal static JourneyLinks LinksFor(LinkSigner links, string id, Product product, string locale, MailKind kind, DateTimeOffset fileLinkExpires)
    {
        IReadOnlyList<ProductLink> access = [.. product.CopyFor(locale).AccessLinks
            .Select((link, index) => link with { Url = links.Url(new LinkClaim(LinkPurpose.Access, id, index)) })];
        IReadOnlyList<ScoreLink> survey = kind == MailKind.ReviewRequest
            ? [.. Enumerable.Range(1, 5).Select(score => new ScoreLink(score, links.Url(new LinkClaim(LinkPurpose.Survey, id, score))))]
            : [];
        string? unsubscribe = kind == MailKind.NextProductOffer ? links.Url(new LinkClaim(LinkPurpose.Unsubscribe, id, 0)) : null;
        DateTimeOffset expires = fileLinkExpires;
        return new JourneyLinks(access, survey, unsubscribe)
        {
            // Every web link in a mail is tracked through /api/go/, so a click on the refund policy is a signal too.
            RefundPolicyUrl = links.Url(new LinkClaim(LinkPurpose.Redirect, id, (int)RedirectTarget.RefundPolicy)),
            FaqUrl = links.Url(new LinkClaim(LinkPurpose.Redirect, id, (int)RedirectTarget.Faq)),
            OfferUrl = kind == MailKind.NextProductOffer ? links.Url(new LinkClaim(LinkPurpose.Redirect, id, (int)RedirectTarget.Offer)) : null,
            PdfDownloadUrl = kind == MailKind.Welcome ? links.FileUrl(id, expires) : null,
            PdfLinkExpiresAt = kind == MailKind.Welcome ? expires : null,
        };
    }

    private static bool IsUnsubscribed(IReadOnlyList<string>? tags) =>
        tags?.Contains(CrmTags.Unsubscribed, StringComparer.OrdinalIgnoreCase) == true;

    private async Task TellSellerAsync(JourneyInput input, string step, string reason, CancellationToken cancellationToken)
    {
        SlackAlert alert = SellerAlerts.StepFailed(input, step, $"mail refused: {reason}");
        try
        {
            await seller.SendAsync(alert, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or PermanentDeliveryException or TaskCanceledException or SlackRetryException)
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
