using PostPurchase.Journey;
using PostPurchase.Mail;

namespace PostPurchase.Activities;

public sealed class SendNextProductOffer(JourneyMailer mailer)
{
    public const string Step = "next-product-offer";

    public Task<bool> RunAsync(JourneyInput input, CancellationToken cancellationToken) =>
        mailer.SendAsync(input, MailKind.NextProductOffer, Step, cancellationToken);
}
