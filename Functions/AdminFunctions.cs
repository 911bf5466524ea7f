using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using PostPurchase.Http;

namespace PostPurchase.Functions;

/// <summary>The seller's order view, behind a function key.</summary>
public sealed class AdminFunctions(AdminDoors doors)
{
    [Function("OrderStatus")]
    public Task<IResult> OrderAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "orders/{orderId}")] HttpRequest request,
        string orderId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.OrderAsync(orderId, client, cancellationToken);
}
