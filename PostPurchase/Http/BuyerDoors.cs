using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using PostPurchase.BuyerActions;
using PostPurchase.Crm;
using PostPurchase.Journey;
using PostPurchase.Mail;
using PostPurchase.Purchases;

namespace PostPurchase.Http;

/// <summary>
/// The links in buyer mails. Every action is first persisted in the CRM and then raised on the journey,
/// so a click that arrives before the journey waits for it is not lost. A bad token gets a friendly 404 page
/// in the browser's language; an expired download link a friendly 410.
/// </summary>
public sealed partial class BuyerDoors(
    LinkSigner signer, CustomerRepository crm, Catalog catalog, IProductFiles files, TimeProvider time, ILogger<BuyerDoors> logger)
{
    /// <summary>GET /api/survey/{token}: one click records (or, until the journey acts, changes) the score; the page offers a comment box.</summary>
    public async Task<IResult> SurveyAsync(HttpRequest request, string token, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (signer.Verify(token, LinkPurpose.Survey) is not { Value: >= 1 and <= 5 } claim
            || await crm.GetOrderAsync(claim.InstanceId, cancellationToken) is not { } order)
        {
            return this.NotFound(request, "survey");
        }

        SurveyReply reply = new(claim.Value, null, time.GetUtcNow());
        if (await crm.UpdateSurveyAsync(claim.InstanceId, claim.Value, null, reply.RepliedAt, cancellationToken) != SurveyUpdate.Recorded)
        {
            return Page(BuyerPages.SurveyAlreadyReceived(order.Locale, (await crm.GetOrderAsync(claim.InstanceId, cancellationToken))?.SurveyScore), StatusCodes.Status200OK);
        }

        await RaiseIfRunningAsync(client, claim.InstanceId, JourneyEvents.SurveyReplied, reply, cancellationToken);
        bool korean = Locales.IsKorean(order.Locale);
        IReadOnlyList<ScoreChoice> choices = [.. Enumerable.Range(1, 5).Select(score =>
            new ScoreChoice(score, BuyerPages.ScoreLabel(score, korean), signer.Path(new LinkClaim(LinkPurpose.Survey, claim.InstanceId, score))))];
        string formAction = signer.Path(claim);
        return Page(BuyerPages.SurveyThanks(order.Locale, claim.Value, order.ProductName, formAction, choices), StatusCodes.Status200OK);
    }

    /// <summary>POST /api/survey/{token} (form field "comment"): adds the buyer's words to the answer, until the journey acts on it.</summary>
    public async Task<IResult> SurveyCommentAsync(HttpRequest request, string token, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (signer.Verify(token, LinkPurpose.Survey) is not { Value: >= 1 and <= 5 } claim
            || await crm.GetOrderAsync(claim.InstanceId, cancellationToken) is not { } order)
        {
            return this.NotFound(request, "survey");
        }

        if (!request.HasFormContentType || request.ContentLength > 64 * 1024)
        {
            return Results.BadRequest(new DoorAnswer("rejected", "expected a form with a comment"));
        }

        IFormCollection form = await request.ReadFormAsync(cancellationToken);
        string comment = form["comment"].ToString().Trim();
        if (comment.Length > BuyerPages.MaxCommentLength)
        {
            comment = comment[..BuyerPages.MaxCommentLength];
        }

        SurveyReply reply = new(claim.Value, comment.Length == 0 ? null : comment, time.GetUtcNow());
        if (await crm.UpdateSurveyAsync(claim.InstanceId, claim.Value, reply.Comment, reply.RepliedAt, cancellationToken) != SurveyUpdate.Recorded)
        {
            return Page(BuyerPages.SurveyAlreadyReceived(order.Locale, (await crm.GetOrderAsync(claim.InstanceId, cancellationToken))?.SurveyScore), StatusCodes.Status200OK);
        }

        // The journey reads the CRM when it settles the answer; the event only matters if this POST came first.
        await RaiseIfRunningAsync(client, claim.InstanceId, JourneyEvents.SurveyReplied, reply, cancellationToken);
        return Page(BuyerPages.CommentThanks(order.Locale), StatusCodes.Status200OK);
    }

    /// <summary>GET /api/go/{token}: records the first open of the content (or a click on a seller page) and redirects to it.</summary>
    public async Task<IResult> GoAsync(HttpRequest request, string token, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (signer.Verify(token, LinkPurpose.Redirect) is { } page)
        {
            return await this.RedirectAsync(request, page, cancellationToken);
        }

        if (signer.Verify(token, LinkPurpose.Access) is not { } claim
            || await crm.GetOrderAsync(claim.InstanceId, cancellationToken) is not { } order
            || catalog.Find(order.Sku, order.ProductName) is not { } product
            || product.CopyFor(order.Locale).AccessLinks.ElementAtOrDefault(claim.Value) is not { } link)
        {
            return this.NotFound(request, "access");
        }

        if (order.Status == OrderStatus.Refunded)
        {
            // The content goes with the refund, as the PDF link does; the refund policy and FAQ links keep working.
            return Page(BuyerPages.AccessEnded(order.Locale, catalog.Seller.ContactEmail), StatusCodes.Status410Gone);
        }

        if (await crm.RecordContentOpenAsync(claim.InstanceId, time.GetUtcNow(), cancellationToken))
        {
            await RaiseIfRunningAsync(client, claim.InstanceId, JourneyEvents.ContentOpened, true, cancellationToken);
        }

        return Results.Redirect(link.Url);
    }

    /// <summary>GET or POST /api/unsubscribe/{token}: one click (or a mail client's RFC 8058 one-click POST) opts the buyer out of offers.</summary>
    public async Task<IResult> UnsubscribeAsync(HttpRequest request, string token, CancellationToken cancellationToken)
    {
        if (signer.Verify(token, LinkPurpose.Unsubscribe) is not { } claim
            || await crm.GetOrderAsync(claim.InstanceId, cancellationToken) is not { } order)
        {
            return this.NotFound(request, "unsubscribe");
        }

        // Tags the order and the buyer's customer row: no offer from this seller for any of their orders.
        await crm.AddTagsAsync(claim.InstanceId, [CrmTags.Unsubscribed], cancellationToken);
        await crm.MarkStepAsync(claim.InstanceId, "unsubscribed", HttpMethods.IsPost(request?.Method ?? "") ? "one-click" : "page", null, cancellationToken);
        return Page(BuyerPages.Unsubscribed(order.Locale, catalog.Seller.Name), StatusCodes.Status200OK);
    }

    /// <summary>GET /api/files/{token}: the order's PDF guide, while the signed link has not expired.</summary>
    public async Task<IResult> FileAsync(HttpRequest request, string token, CancellationToken cancellationToken)
    {
        if (signer.Verify(token, LinkPurpose.File) is not { } claim
            || await crm.GetOrderAsync(claim.InstanceId, cancellationToken) is not { } order
            || catalog.Find(order.Sku, order.ProductName) is not { } product)
        {
            return this.NotFound(request, "file");
        }

        if (LinkSigner.FileExpiry(claim) <= time.GetUtcNow())
        {
            return Page(BuyerPages.LinkExpired(order.Locale, catalog.Seller.ContactEmail), StatusCodes.Status410Gone);
        }

        if (order.Status == OrderStatus.Refunded || files.GetPdf(product) is not { } pdf)
        {
            return this.NotFound(request, "file");
        }

        return Results.File(pdf.Content, pdf.ContentType, pdf.FileName);
    }

    private async Task<IResult> RedirectAsync(HttpRequest request, LinkClaim claim, CancellationToken cancellationToken)
    {
        if (await crm.GetOrderAsync(claim.InstanceId, cancellationToken) is not { } order
            || catalog.Find(order.Sku, order.ProductName) is not { } product)
        {
            return this.NotFound(request, "redirect");
        }

        ProductCopy copy = product.CopyFor(order.Locale);
        string? url = (RedirectTarget)claim.Value switch
        {
            RedirectTarget.RefundPolicy => copy.RefundPolicyUrl,
            RedirectTarget.Faq => copy.FaqUrl,
            RedirectTarget.Offer => product.OfferFor(order.Locale)?.Url,
            _ => null,
        };
        if (string.IsNullOrWhiteSpace(url))
        {
            return this.NotFound(request, "redirect");
        }

        string target = ((RedirectTarget)claim.Value).ToString().ToLowerInvariant();
        await crm.RecordMailEventAsync(claim.InstanceId, new MailEvent($"link-{target}", "click", time.GetUtcNow(), null), cancellationToken);
        return Results.Redirect(url);
    }

    private static async Task RaiseIfRunningAsync(DurableTaskClient client, string instanceId, string eventName, object payload, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? journey = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (journey is { IsCompleted: false })
        {
            await client.RaiseEventAsync(instanceId, eventName, payload, cancellationToken);
        }
    }

    private IResult NotFound(HttpRequest? request, string door)
    {
        LogBadToken(logger, door);
        string locale = BuyerPages.LocaleFromAcceptLanguage(request?.Headers.AcceptLanguage.ToString());
        return Page(BuyerPages.LinkNotFound(locale), StatusCodes.Status404NotFound);
    }

    private static IResult Page(string html, int status) => Results.Content(html, "text/html; charset=utf-8", null, status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unknown or altered {Door} link")]
    private static partial void LogBadToken(ILogger logger, string door);
}
