using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using PostPurchase.Activities;
using PostPurchase.Journey;
using PostPurchase.Notifications;

namespace PostPurchase.Infrastructure;

/// <summary>
/// The journey's orchestrator and activities for a Durable Task SDK worker (SelfHost and tests). The Functions
/// host registers the same activity classes through its [ActivityTrigger] wrappers; both call the same services.
/// </summary>
public static class JourneyTasks
{
    public static DurableTaskRegistry AddPostPurchaseJourney(this DurableTaskRegistry registry)
    {
        PostPurchaseJourney.Register(registry);
        return registry.AddPostPurchaseActivities();
    }

    /// <summary>The activities alone, for a worker that brings its own orchestrator (the upgrade test runs an older one).</summary>
    public static DurableTaskRegistry AddPostPurchaseActivities(this DurableTaskRegistry registry)
    {
        Add<RecordPurchase, JourneyInput, PurchaseRecorded>(registry, (a, input, ct) => a.RunAsync(input, ct));
        Add<SendWelcomeEmail, JourneyInput, bool>(registry, (a, input, ct) => a.RunAsync(input, ct));
        Add<SendReviewRequest, JourneyInput, bool>(registry, (a, input, ct) => a.RunAsync(input, ct));
        Add<SendReminder, JourneyInput, bool>(registry, (a, input, ct) => a.RunAsync(input, ct));
        Add<SendNextProductOffer, JourneyInput, bool>(registry, (a, input, ct) => a.RunAsync(input, ct));
        Add<HasOpenedContent, string, bool>(registry, (a, input, ct) => a.RunAsync(input, ct));
        Add<ReadEngagement, string, Engagement>(registry, (a, input, ct) => a.RunAsync(input, ct));
        Add<SettleSurveyReply, string, SurveyReply?>(registry, (a, input, ct) => a.RunAsync(input, ct));
        Add<RecordSurveyReply, ReplyRecorded, bool>(registry, (a, input, ct) => a.RunAsync(input, ct));
        Add<PostSlackAlert, SlackAlert, bool>(registry, (a, input, ct) => a.RunAsync(input, ct));
        Add<CloseJourney, JourneyClosed, bool>(registry, (a, input, ct) => a.RunAsync(input, ct));
        return registry;
    }

    private static void Add<TActivity, TInput, TOutput>(DurableTaskRegistry registry, Func<TActivity, TInput, CancellationToken, Task<TOutput>> run)
        where TActivity : notnull =>
        registry.AddActivity(typeof(TActivity).Name, services => new ServiceActivity<TActivity, TInput, TOutput>(services.GetRequiredService<TActivity>(), run));

    private sealed class ServiceActivity<TActivity, TInput, TOutput>(TActivity activity, Func<TActivity, TInput, CancellationToken, Task<TOutput>> run)
        : TaskActivity<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) => run(activity, input, CancellationToken.None);
    }
}
