using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using PostPurchase.Http;

namespace PostPurchase.Functions;

/// <summary>SendGrid's Signed Event Webhook: anonymous at the host, because the ECDSA signature is the credential.</summary>
public sealed class EngagementFunctions(EngagementDoors doors)
{
    [Function("SendGridEvents")]
    public Task<IResult> SendGridEventsAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/sendgrid-events")] HttpRequest request,
        CancellationToken cancellationToken) => doors.SendGridEventsAsync(request, cancellationToken);
}
