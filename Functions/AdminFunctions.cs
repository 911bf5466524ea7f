using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using PostPurchase.Http;

namespace PostPurchase.Functions;

/// <summary>The seller's admin routes, behind a function key.</summary>
public sealed class AdminFunctions(AdminDoors doors)
{
    [Function("OrderStatus")]
    public Task<IResult> OrderAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "orders/{orderId}")] HttpRequest request,
        string orderId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.OrderAsync(orderId, client, cancellationToken);

    [Function("ListOrders")]
    public Task<IResult> ListOrdersAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "orders")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.ListOrdersAsync(request, client, cancellationToken);

    [Function("Dashboard")]
    public Task<IResult> DashboardAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "dashboard")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.DashboardAsync(request, client, cancellationToken);

    [Function("ResendStep")]
    public Task<IResult> ResendAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "orders/{orderId}/resend/{step}")] HttpRequest request,
        string orderId,
        string step,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.ResendAsync(orderId, step, request.Query["reason"], client, cancellationToken);

    [Function("CancelJourney")]
    public Task<IResult> CancelAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "orders/{orderId}/cancel")] HttpRequest request,
        string orderId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.CancelAsync(orderId, request.Query["reason"], client, cancellationToken);

    [Function("RerunJourney")]
    public Task<IResult> RerunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "orders/{orderId}/rerun")] HttpRequest request,
        string orderId,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.RerunAsync(orderId, request.Query["reason"], request.Query["buyerEmail"], client, cancellationToken);

    [Function("ListCustomers")]
    public Task<IResult> ListCustomersAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "customers")] HttpRequest request,
        CancellationToken cancellationToken) => doors.ListCustomersAsync(request, cancellationToken);

    [Function("EditCustomerTags")]
    public Task<IResult> EditTagsAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "customers/{email}/tags")] HttpRequest request,
        string email,
        CancellationToken cancellationToken) => doors.EditTagsAsync(email, request, cancellationToken);

    [Function("EraseCustomer")]
    public Task<IResult> EraseCustomerAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "customers/{email}")] HttpRequest request,
        string email,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.EraseCustomerAsync(email, client, cancellationToken);
}
