using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using PostPurchase.Activities;
using PostPurchase.Journey;
using PostPurchase.Notifications;
using PostPurchase.Purchases;

namespace PostPurchase.Tests.Journey;

/// <summary>
/// Quiet hours and send windows in the real orchestrator on the in-process Durable engine. The buyer's wall clock
/// runs 7,200 times faster than real time (one real second = two wall hours) from a chosen start (the journey
/// input's ClockStart, as Journey:WallClockStart sets it), so "22:30 KST" is a real instant a few seconds away.
/// Each stand-in activity notes the real time it ran; the test maps it back to the wall clock. The payment time is
/// set a moment ahead, so the journey's anchor is exactly that instant and the mapping is exact; what is left is
/// the engine's dispatch latency (a few hundred ms = under an hour of wall time at worst), hence the upper bounds.
/// </summary>
public sealed class JourneySendWindowTests
{
    private const double Scale = 7200;
    private static readonly TimeSpan Kst = TimeSpan.FromHours(9);
    private static readonly TimeSpan WallTolerance = TimeSpan.FromMinutes(50);

    private readonly ConcurrentDictionary<string, DateTime> calledAt = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_satisfied_reply_at_22_30_kst_gets_its_offer_at_08_00_kst_not_at_night()
    {
        DateTimeOffset wallStart = new(2025, 3, 14, 22, 30, 0, Kst);

        // The review request goes at once here (no follow-up window), so the reply lands in quiet hours.
        JourneySchedule schedule = Schedule(wallStart) with { ReviewAfter = TimeSpan.Zero, FollowUpWindow = SendWindow.AnyTime };
        await using DurableTaskTestHost host = await this.StartHostAsync();
        (string id, JourneyClock clock) = await StartAsync(host, schedule);

        await this.WaitForCallAsync(nameof(SendReviewRequest));
        await host.Client.RaiseEventAsync(id, JourneyEvents.SurveyReplied, new SurveyReply(5, null, DateTimeOffset.UtcNow), Ct);
        string stage = await WaitForStageAsync(host, id, JourneyStages.OfferDeferred);
        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);

        Assert.Equal(JourneyStages.OfferDeferred, stage);
        Assert.Equal(JourneyOutcome.OfferSent, done.ReadOutputAs<JourneyOutcome>());
        DateTimeOffset replied = clock.ToWall(this.calledAt[nameof(SettleSurveyReply)]).ToOffset(Kst);
        DateTimeOffset offered = clock.ToWall(this.calledAt[nameof(SendNextProductOffer)]).ToOffset(Kst);
        Assert.InRange(replied, wallStart, wallStart + WallTolerance);   // the reply really came in quiet hours
        DateTimeOffset eight = new(2025, 3, 15, 8, 0, 0, Kst);
        Assert.InRange(offered, eight, eight + WallTolerance);           // deferred to 08:00, not dropped, not early
    }

    [Fact]
    public async Task A_review_request_due_at_02_00_kst_goes_at_09_00_kst()
    {
        // The review is due one wall hour after a payment at 01:00 KST, so at 02:00 KST.
        DateTimeOffset wallStart = new(2025, 3, 17, 1, 0, 0, Kst);
        JourneySchedule schedule = Schedule(wallStart) with { ReviewAfter = TimeSpan.FromHours(1) / Scale };
        await using DurableTaskTestHost host = await this.StartHostAsync();
        (string id, JourneyClock clock) = await StartAsync(host, schedule);

        await this.WaitForCallAsync(nameof(SendReviewRequest));
        await host.Client.TerminateInstanceAsync(id, cancellation: Ct);

        DateTimeOffset reviewed = clock.ToWall(this.calledAt[nameof(SendReviewRequest)]).ToOffset(Kst);
        DateTimeOffset nine = new(2025, 3, 17, 9, 0, 0, Kst);
        Assert.InRange(reviewed, nine, nine + WallTolerance);
    }

    [Fact]
    public async Task A_reply_in_the_afternoon_gets_its_offer_at_once()
    {
        DateTimeOffset wallStart = new(2025, 3, 14, 14, 0, 0, Kst);
        JourneySchedule schedule = Schedule(wallStart) with { ReviewAfter = TimeSpan.Zero };
        await using DurableTaskTestHost host = await this.StartHostAsync();
        (string id, JourneyClock clock) = await StartAsync(host, schedule);

        await this.WaitForCallAsync(nameof(SendReviewRequest));
        await host.Client.RaiseEventAsync(id, JourneyEvents.SurveyReplied, new SurveyReply(4, null, DateTimeOffset.UtcNow), Ct);
        await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: false, Ct);

        DateTimeOffset offered = clock.ToWall(this.calledAt[nameof(SendNextProductOffer)]).ToOffset(Kst);
        Assert.InRange(offered, wallStart, wallStart + WallTolerance);
    }

    private static JourneySchedule Schedule(DateTimeOffset wallStart) =>
        new(ReviewAfter: TimeSpan.FromSeconds(1), ReminderAfter: TimeSpan.FromSeconds(30), CloseAfter: TimeSpan.FromSeconds(40))
        {
            FirstRetry = TimeSpan.FromMilliseconds(200),
            FollowUpWindow = SendWindow.FollowUps,
            OfferWindow = SendWindow.Advertising,
            ClockScale = Scale,
            ClockStart = wallStart,
        };

    private static async Task<(string Id, JourneyClock Clock)> StartAsync(DurableTaskTestHost host, JourneySchedule schedule)
    {
        string id = $"stripe-pi_{Guid.NewGuid():N}";

        // Paid a moment from now: the journey then anchors its days (and the wall clock) exactly here.
        DateTimeOffset paidAt = DateTimeOffset.UtcNow.AddMilliseconds(400);
        Purchase purchase = new("stripe", id["stripe-".Length..], "ord_1", new Buyer("minji.kim@example.com", "김민지", "ko", "Asia/Seoul"),
            "notion-automation-pack-v2", "노션 업무 자동화 템플릿 패키지", Money.Of(39000, "KRW"), paidAt, "stripe");
        await host.Client.ScheduleNewOrchestrationInstanceAsync(PostPurchaseJourney.Name,
            new JourneyInput(PostPurchaseJourney.CurrentVersion, id, purchase, schedule), new StartOrchestrationOptions(id), Ct);
        return (id, schedule.ClockFrom(paidAt.UtcDateTime));
    }

    private Task<DurableTaskTestHost> StartHostAsync() => DurableTaskTestHost.StartAsync(tasks =>
    {
        tasks.AddOrchestratorFunc<JourneyInput, JourneyOutcome>(PostPurchaseJourney.Name, PostPurchaseJourney.RunAsync);
        tasks.AddActivityFunc<JourneyInput, PurchaseRecorded>(nameof(RecordPurchase), (_, _) => this.Note(nameof(RecordPurchase), new PurchaseRecorded(true, true)));
        tasks.AddActivityFunc<string, Engagement>(nameof(ReadEngagement), (_, _) => this.Note(nameof(ReadEngagement), new Engagement(false, false, DeliveryState.Unknown, null)));
        tasks.AddActivityFunc<string, SurveyReply?>(nameof(SettleSurveyReply), (_, _) => this.Note<SurveyReply?>(nameof(SettleSurveyReply), null));
        tasks.AddActivityFunc<SlackAlert, bool>(nameof(PostSlackAlert), (_, _) => this.Note(nameof(PostSlackAlert), true));
        foreach (string name in new[] { nameof(SendWelcomeEmail), nameof(SendReviewRequest), nameof(SendReminder), nameof(SendNextProductOffer) })
        {
            tasks.AddActivityFunc<JourneyInput, bool>(name, (_, _) => this.Note(name, true));
        }

        tasks.AddActivityFunc<ReplyRecorded, bool>(nameof(RecordSurveyReply), (_, _) => this.Note(nameof(RecordSurveyReply), true));
        tasks.AddActivityFunc<JourneyClosed, bool>(nameof(CloseJourney), (_, _) => this.Note(nameof(CloseJourney), true));
    });

    private T Note<T>(string name, T result)
    {
        this.calledAt.TryAdd(name, DateTime.UtcNow);
        return result;
    }

    private async Task WaitForCallAsync(string name)
    {
        using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!this.calledAt.ContainsKey(name))
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    private static async Task<string> WaitForStageAsync(DurableTaskTestHost host, string id, string stage)
    {
        using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            OrchestrationMetadata? now = await host.Client.GetInstanceAsync(id, getInputsAndOutputs: true, timeout.Token);
            string? current = now?.SerializedCustomStatus?.Trim('"');
            if (current == stage || now?.IsCompleted == true)
            {
                return current ?? "";
            }

            await Task.Delay(20, timeout.Token);
        }
    }
}
