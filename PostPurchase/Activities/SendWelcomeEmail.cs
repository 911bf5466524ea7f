using PostPurchase.Journey;
using PostPurchase.Mail;

namespace PostPurchase.Activities;

public sealed class SendWelcomeEmail(JourneyMailer mailer)
{
    public const string Step = "welcome";

    public Task<bool> RunAsync(JourneyInput input, CancellationToken cancellationToken) =>
        mailer.SendAsync(input, MailKind.Welcome, Step, cancellationToken);
}
