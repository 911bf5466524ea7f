using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using PostPurchase.Http;

namespace PostPurchase.Functions;

/// <summary>Provider doors: the function key goes into the URL registered with the provider; the handler verifies the rest.</summary>
public sealed class PaymentFunctions(PaymentDoors doors)
{
    [Function("StripeWebhook")]
    public Task<IResult> StripeAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "webhooks/stripe")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.StripeAsync(request, client, cancellationToken);

    [Function("TossWebhook")]
    public Task<IResult> TossAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "webhooks/toss")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.TossAsync(request, client, cancellationToken);

    [Function("PayPalWebhook")]
    public Task<IResult> PayPalAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "webhooks/paypal")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.PayPalAsync(request, client, cancellationToken);

    /// <summary>Anonymous to the host: the door checks the seller's own secret (?secret= or basic auth), as configured for Inbound Parse.</summary>
    [Function("InboundEmail")]
    public Task<IResult> InboundEmailAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/inbound-email")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.InboundEmailAsync(request, client, cancellationToken);

    [Function("ExpectedOrder")]
    public Task<IResult> ExpectedOrderAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "orders/expected")] HttpRequest request,
        CancellationToken cancellationToken) => doors.ExpectedOrderAsync(request, cancellationToken);

    [Function("ReplayInboundMail")]
    public Task<IResult> ReplayInboundMailAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "inbound-mail/{mailId}/replay")] HttpRequest request,
        string mailId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.ReplayInboundMailAsync(mailId, client, cancellationToken);
}
