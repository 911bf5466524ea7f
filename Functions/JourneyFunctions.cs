using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using PostPurchase.Activities;
using PostPurchase.Journey;
using PostPurchase.Notifications;

namespace PostPurchase.Functions;

/// <summary>The journey's orchestrator trigger and one [ActivityTrigger] wrapper per activity, each calling the shared service.</summary>
public sealed class JourneyFunctions(
    RecordPurchase recordPurchase,
    SendWelcomeEmail sendWelcomeEmail,
    SendReviewRequest sendReviewRequest,
    SendReminder sendReminder,
    SendNextProductOffer sendNextProductOffer,
    HasOpenedContent hasOpenedContent,
    RecordSurveyReply recordSurveyReply,
    PostSlackAlert postSlackAlert,
    CloseJourney closeJourney,
    ReadEngagement readEngagement,
    SettleSurveyReply settleSurveyReply)
{
    [Function(PostPurchaseJourney.Name)]
    public static Task<JourneyOutcome> RunJourney([OrchestrationTrigger] TaskOrchestrationContext context) =>
        PostPurchaseJourney.RunAsync(context, context.GetInput<JourneyInput>()
            ?? throw new InvalidOperationException("The journey needs its input."));

    [Function(nameof(RecordPurchase))]
    public Task<PurchaseRecorded> RecordPurchaseAsync([ActivityTrigger] JourneyInput input, CancellationToken cancellationToken) =>
        recordPurchase.RunAsync(input, cancellationToken);

    [Function(nameof(SendWelcomeEmail))]
    public Task<bool> SendWelcomeEmailAsync([ActivityTrigger] JourneyInput input, CancellationToken cancellationToken) =>
        sendWelcomeEmail.RunAsync(input, cancellationToken);

    [Function(nameof(SendReviewRequest))]
    public Task<bool> SendReviewRequestAsync([ActivityTrigger] JourneyInput input, CancellationToken cancellationToken) =>
        sendReviewRequest.RunAsync(input, cancellationToken);

    [Function(nameof(SendReminder))]
    public Task<bool> SendReminderAsync([ActivityTrigger] JourneyInput input, CancellationToken cancellationToken) =>
        sendReminder.RunAsync(input, cancellationToken);

    [Function(nameof(SendNextProductOffer))]
    public Task<bool> SendNextProductOfferAsync([ActivityTrigger] JourneyInput input, CancellationToken cancellationToken) =>
        sendNextProductOffer.RunAsync(input, cancellationToken);

    [Function(nameof(HasOpenedContent))]
    public Task<bool> HasOpenedContentAsync([ActivityTrigger] string instanceId, CancellationToken cancellationToken) =>
        hasOpenedContent.RunAsync(instanceId, cancellationToken);

    [Function(nameof(ReadEngagement))]
    public Task<Engagement> ReadEngagementAsync([ActivityTrigger] string instanceId, CancellationToken cancellationToken) =>
        readEngagement.RunAsync(instanceId, cancellationToken);

    [Function(nameof(SettleSurveyReply))]
    public Task<SurveyReply?> SettleSurveyReplyAsync([ActivityTrigger] string instanceId, CancellationToken cancellationToken) =>
        settleSurveyReply.RunAsync(instanceId, cancellationToken);

    [Function(nameof(RecordSurveyReply))]
    public Task<bool> RecordSurveyReplyAsync([ActivityTrigger] ReplyRecorded input, CancellationToken cancellationToken) =>
        recordSurveyReply.RunAsync(input, cancellationToken);

    [Function(nameof(PostSlackAlert))]
    public Task<bool> PostSlackAlertAsync([ActivityTrigger] SlackAlert alert, CancellationToken cancellationToken) =>
        postSlackAlert.RunAsync(alert, cancellationToken);

    [Function(nameof(CloseJourney))]
    public Task<bool> CloseJourneyAsync([ActivityTrigger] JourneyClosed input, CancellationToken cancellationToken) =>
        closeJourney.RunAsync(input, cancellationToken);
}
