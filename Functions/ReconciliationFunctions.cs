using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using PostPurchase.Http;
using PostPurchase.Infrastructure;
using PostPurchase.Webhooks;

namespace PostPurchase.Functions;

/// <summary>Starts journeys for paid orders whose webhook never arrived: on a timer, and on demand for the seller.</summary>
public sealed class ReconciliationFunctions(PaymentReconciler reconciler, AdminDoors doors, IOptions<ReconciliationOptions> options)
{
    [Function("ReconcilePayments")]
    public Task ReconcileAsync(
        [TimerTrigger("0 */15 * * * *")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => reconciler.ReconcileAsync(client, options.Value.Lookback, cancellationToken);

    [Function("ReconcileNow")]
    public Task<IResult> ReconcileNowAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "reconcile")] HttpRequest request,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellationToken) => doors.ReconcileAsync(request.Query["hours"], client, cancellationToken);
}
