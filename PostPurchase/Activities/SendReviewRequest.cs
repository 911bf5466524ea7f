using PostPurchase.Journey;
using PostPurchase.Mail;

namespace PostPurchase.Activities;

public sealed class SendReviewRequest(JourneyMailer mailer)
{
    public const string Step = "review-request";

    public Task<bool> RunAsync(JourneyInput input, CancellationToken cancellationToken) =>
        mailer.SendAsync(input, MailKind.ReviewRequest, Step, cancellationToken);
}
