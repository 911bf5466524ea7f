using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using PostPurchase.BuyerActions;
using PostPurchase.Crm;
using PostPurchase.Journey;
using PostPurchase.Purchases;

namespace PostPurchase.Http;

/// <summary>
/// The links in buyer mails. Every action is first persisted in the CRM and then raised on the journey,
/// so a click that arrives before the journey waits for it is not lost. A bad token gets a friendly 404.
/// </summary>
public sealed partial class BuyerDoors(LinkSigner signer, CustomerRepository crm, Catalog catalog, TimeProvider time, ILogger<BuyerDoors> logger)
{
    /// <summary>GET /api/survey/{token}: one click records the score and says thank you.</summary>
    public async Task<IResult> SurveyAsync(string token, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (signer.Verify(token, LinkPurpose.Survey) is not { Value: >= 1 and <= 5 } claim
            || await crm.GetOrderAsync(claim.InstanceId, cancellationToken) is not { } order)
        {
            return NotFound("survey");
        }

        SurveyReply reply = new(claim.Value, null, time.GetUtcNow());
        await crm.RecordSurveyReplyAsync(claim.InstanceId, reply, cancellationToken);
        await RaiseIfRunningAsync(client, claim.InstanceId, JourneyEvents.SurveyReplied, reply, cancellationToken);
        return Page(BuyerPages.SurveyThanks(order.Locale, claim.Value, order.ProductName), StatusCodes.Status200OK);
    }

    /// <summary>GET /api/go/{token}: records the first open of the content and redirects to it.</summary>
    public async Task<IResult> GoAsync(string token, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (signer.Verify(token, LinkPurpose.Access) is not { } claim
            || await crm.GetOrderAsync(claim.InstanceId, cancellationToken) is not { } order
            || catalog.Find(order.Sku, order.ProductName) is not { } product
            || product.CopyFor(order.Locale).AccessLinks.ElementAtOrDefault(claim.Value) is not { } link)
        {
            return NotFound("access");
        }

        if (await crm.RecordContentOpenAsync(claim.InstanceId, time.GetUtcNow(), cancellationToken))
        {
            await RaiseIfRunningAsync(client, claim.InstanceId, JourneyEvents.ContentOpened, true, cancellationToken);
        }

        return Results.Redirect(link.Url);
    }

    /// <summary>GET or POST /api/unsubscribe/{token}: one click opts the buyer out of offers; product mail still goes.</summary>
    public async Task<IResult> UnsubscribeAsync(string token, CancellationToken cancellationToken)
    {
        if (signer.Verify(token, LinkPurpose.Unsubscribe) is not { } claim
            || await crm.GetOrderAsync(claim.InstanceId, cancellationToken) is not { } order)
        {
            return NotFound("unsubscribe");
        }

        await crm.AddTagsAsync(claim.InstanceId, [CrmTags.Unsubscribed], cancellationToken);
        return Page(BuyerPages.Unsubscribed(order.Locale), StatusCodes.Status200OK);
    }

    private static async Task RaiseIfRunningAsync(DurableTaskClient client, string instanceId, string eventName, object payload, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? journey = await client.GetInstanceAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
        if (journey is { IsCompleted: false })
        {
            await client.RaiseEventAsync(instanceId, eventName, payload, cancellationToken);
        }
    }

    private IResult NotFound(string door)
    {
        LogBadToken(logger, door);
        return Page(BuyerPages.LinkNotFound(null), StatusCodes.Status404NotFound);
    }

    private static IResult Page(string html, int status) => Results.Content(html, "text/html; charset=utf-8", null, status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Unknown or altered {Door} link")]
    private static partial void LogBadToken(ILogger logger, string door);
}
