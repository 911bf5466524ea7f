using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using PostPurchase.Infrastructure;
using PostPurchase.Crm;
using PostPurchase.Webhooks;

namespace PostPurchase.Http;

/// <summary>
/// What every payment door does with a provider's request: read the exact bytes, ask the provider's handler
/// for a verdict, then start the journey or record the refund. 400 only for "not from the provider";
/// 2xx for everything verified (ignored types and duplicates included); 5xx only when we could not record.
/// </summary>
public sealed partial class PaymentDoors(StripeWebhookHandler stripe, JourneyStarter starter, RefundRecorder refunds, ILogger<PaymentDoors> logger,
    TossWebhookHandler toss, PayPalWebhookHandler paypal, InboundMailHandler inbound, CustomerRepository crm, TimeProvider time)
{
    public async Task<IResult> StripeAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        byte[]? body = await RequestBody.ReadAsync(request, RequestBody.MaxWebhookBytes, cancellationToken);
        WebhookVerdict verdict = body is null
            ? WebhookVerdict.Rejected("body too large")
            : await stripe.HandleAsync(body, request.Headers["Stripe-Signature"].ToString(), cancellationToken);
        return await this.ActAsync("stripe", verdict, client, cancellationToken);
    }

    /// <summary>POST /api/webhooks/toss: Toss Payments' PAYMENT_STATUS_CHANGED, confirmed against the Toss API.</summary>
    public async Task<IResult> TossAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        byte[]? body = await RequestBody.ReadAsync(request, TossWebhookHandler.MaxBodyBytes, cancellationToken);
        WebhookVerdict verdict = body is null
            ? WebhookVerdict.Rejected("body too large")
            : await toss.HandleAsync(body, cancellationToken);
        return await this.ActAsync(TossWebhookHandler.Provider, verdict, client, cancellationToken);
    }

    /// <summary>POST /api/webhooks/paypal: verified by PayPal on the exact bytes, then captures start and refunds stop journeys.</summary>
    public async Task<IResult> PayPalAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        byte[]? body = await RequestBody.ReadAsync(request, PayPalWebhookHandler.MaxBodyBytes, cancellationToken);
        IHeaderDictionary h = request.Headers;
        PayPalTransmission transmission = new(
            h["PAYPAL-AUTH-ALGO"].ToString(), h["PAYPAL-CERT-URL"].ToString(), h["PAYPAL-TRANSMISSION-ID"].ToString(),
            h["PAYPAL-TRANSMISSION-SIG"].ToString(), h["PAYPAL-TRANSMISSION-TIME"].ToString());
        WebhookVerdict verdict = body is null
            ? WebhookVerdict.Rejected("body too large")
            : await paypal.HandleAsync(body, transmission, cancellationToken);
        return await this.ActAsync(PayPalWebhookHandler.Provider, verdict, client, cancellationToken);
    }

    /// <summary>
    /// POST /api/webhooks/inbound-email: SendGrid Inbound Parse. 2xx only once the delivery is stored; 401 without the
    /// configured secret; a receipt starts (or joins) its sale's journey, anything else is kept for the seller.
    /// </summary>
    public async Task<IResult> InboundEmailAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken)
    {
        switch (inbound.Authorize(request.Query["secret"].ToString(), request.Headers.Authorization.ToString()))
        {
            case InboundDoorAccess.NotConfigured:
                return Results.Json(new DoorAnswer("unauthorized", "set InboundMail:Secret or InboundMail:BasicAuthUser/BasicAuthPassword to open this door"), statusCode: StatusCodes.Status401Unauthorized);
            case InboundDoorAccess.Denied:
                LogRejected(logger, "inbound-email", "wrong secret");
                return Results.Json(new DoorAnswer("unauthorized", "wrong secret"), statusCode: StatusCodes.Status401Unauthorized);
        }

        byte[]? body = await RequestBody.ReadAsync(request, InboundMailHandler.MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return Results.BadRequest(new DoorAnswer("rejected", "body too large"));
        }

        return await this.ActOnMailAsync(await inbound.ReceiveAsync(body, request.ContentType, cancellationToken), client, cancellationToken);
    }

    /// <summary>POST /api/inbound-mail/{mailId}/replay (admin): reads a stored mail again; a forwarded receipt replayed by the seller counts as granted.</summary>
    public async Task<IResult> ReplayInboundMailAsync(string mailId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        InboundMailResult? result = await inbound.ReplayAsync(mailId, cancellationToken);
        return result is null
            ? Results.NotFound(new DoorAnswer("not found", "no stored mail with this id"))
            : await this.ActOnMailAsync(result, client, cancellationToken);
    }

    /// <summary>
    /// POST /api/orders/expected (admin): the seller's checkout says who is paying for an order before the payment
    /// arrives, for providers whose payments name no buyer (Toss). Body: {"orderId","buyerEmail","buyerName"?,"sku"?}.
    /// </summary>
    public async Task<IResult> ExpectedOrderAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        byte[]? body = await RequestBody.ReadAsync(request, 64 * 1024, cancellationToken);
        if (body is null)
        {
            return Results.BadRequest(new DoorAnswer("rejected", "body too large"));
        }

        ExpectedOrderRequest? order;
        try
        {
            order = System.Text.Json.JsonSerializer.Deserialize<ExpectedOrderRequest>(body, ExpectedOrderJson);
        }
        catch (System.Text.Json.JsonException)
        {
            return Results.BadRequest(new DoorAnswer("rejected", "malformed JSON"));
        }

        string? problem = order switch
        {
            null => "malformed JSON",
            { OrderId: null or "" } or { OrderId.Length: > 200 } => "orderId is required (at most 200 characters)",
            { BuyerEmail: null or "" } => "buyerEmail is required",
            _ when !System.Net.Mail.MailAddress.TryCreate(order.BuyerEmail.Trim(), out System.Net.Mail.MailAddress? a) || a.Address != order.BuyerEmail.Trim() => "buyerEmail is not an e-mail address",
            { BuyerName.Length: > 200 } or { Sku.Length: > 200 } => "buyerName and sku take at most 200 characters",
            _ => null,
        };
        if (problem is not null)
        {
            return Results.BadRequest(new DoorAnswer("rejected", problem));
        }

        await crm.SaveExpectedOrderAsync(new ExpectedOrder(
            order!.OrderId!.Trim(), order.BuyerEmail!.Trim(), NullIfBlank(order.BuyerName), NullIfBlank(order.Sku), time.GetUtcNow()), cancellationToken);
        return Results.Ok(new DoorAnswer("stored", null));
    }

    private static readonly System.Text.Json.JsonSerializerOptions ExpectedOrderJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private async Task<IResult> ActOnMailAsync(InboundMailResult result, DurableTaskClient client, CancellationToken cancellationToken)
    {
        switch (result.Verdict.Kind)
        {
            case VerdictKind.Rejected:
                LogRejected(logger, "inbound-email", result.Verdict.Reason);
                return Results.BadRequest(new DoorAnswer("rejected", result.Verdict.Reason));
            case VerdictKind.Purchase when result.Verdict.Purchase is { } purchase && result.MailId is { } mailId:
                StartOutcome started = await starter.StartAsync(client, purchase, cancellationToken);
                string journey = Journey.JourneyIds.For(purchase.Provider, purchase.PaymentId);
                await inbound.RecordOutcomeAsync(mailId, started == StartOutcome.Started ? MailStatus.Started : MailStatus.Duplicate, journey, cancellationToken);
                return Results.Ok(new MailDoorAnswer(started == StartOutcome.Started ? "accepted" : "already received", null, mailId, journey));
            default:
                return Results.Ok(new MailDoorAnswer(result.Status, result.Verdict.Reason, result.MailId, null));
        }
    }

    private async Task<IResult> ActAsync(string provider, WebhookVerdict verdict, DurableTaskClient client, CancellationToken cancellationToken)
    {
        switch (verdict.Kind)
        {
            case VerdictKind.Rejected:
                LogRejected(logger, provider, verdict.Reason);
                Telemetry.WebhookRejections.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("reason", verdict.Reason));
                return Results.BadRequest(new DoorAnswer("rejected", verdict.Reason));
            case VerdictKind.Purchase when verdict.Purchase is { } purchase:
                StartOutcome started = await starter.StartAsync(client, purchase, cancellationToken);
                return Results.Ok(new DoorAnswer(started == StartOutcome.Started ? "accepted" : "already received", null));
            case VerdictKind.Refund when verdict.Refund is { } refund:
                await refunds.RecordAsync(client, refund, cancellationToken);
                return Results.Ok(new DoorAnswer("refund recorded", null));
            default:
                return Results.Ok(new DoorAnswer("ignored", verdict.Reason));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Provider} webhook: {Reason}")]
    private static partial void LogRejected(ILogger logger, string provider, string reason);
}

/// <summary>The short answer a provider gets; never a Durable management URL.</summary>
public sealed record DoorAnswer(string Status, string? Reason);

/// <summary>The inbound-mail door's answer: what became of the mail, its stored id (for replay) and the journey it fed.</summary>
public sealed record MailDoorAnswer(string Status, string? Reason, string? MailId, string? OrderId);

/// <summary>What a seller's checkout posts to /api/orders/expected.</summary>
public sealed record ExpectedOrderRequest(string? OrderId, string? BuyerEmail, string? BuyerName, string? Sku);
