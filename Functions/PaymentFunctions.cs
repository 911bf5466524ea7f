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
}
