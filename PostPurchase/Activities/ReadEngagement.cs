using PostPurchase.Crm;
using PostPurchase.Journey;

namespace PostPurchase.Activities;

/// <summary>The day-7 facts from the CRM: access-link open, SendGrid's signals on the welcome mail, a stopped address.</summary>
public sealed class ReadEngagement(CustomerRepository crm)
{
    public Task<Engagement> RunAsync(string instanceId, CancellationToken cancellationToken) =>
        crm.GetEngagementAsync(instanceId, SendWelcomeEmail.Step, cancellationToken);
}
