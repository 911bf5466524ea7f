using PostPurchase.Crm;

namespace PostPurchase.Activities;

/// <summary>Did the buyer ever open an access link? Read from the CRM, where the /go door records the first open.</summary>
public sealed class HasOpenedContent(CustomerRepository crm)
{
    public Task<bool> RunAsync(string instanceId, CancellationToken cancellationToken) =>
        crm.HasOpenedContentAsync(instanceId, cancellationToken);
}
