using PostPurchase.Journey;
using PostPurchase.Mail;

namespace PostPurchase.Activities;

public sealed class SendReminder(JourneyMailer mailer)
{
    public const string Step = "reminder";

    public Task<bool> RunAsync(JourneyInput input, CancellationToken cancellationToken) =>
        mailer.SendAsync(input, MailKind.Reminder, Step, cancellationToken);
}
