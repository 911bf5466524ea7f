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
/// Every branch of the journey on the real Durable Task engine (in-process test host), with days shrunk to
/// seconds. Activities are recording stand-ins here; the real ones run in the SelfHost end-to-end tests.
/// </summary>
public sealed class PostPurchaseJourneyTests
{
    private static readonly JourneySchedule Fast = new(
        ReviewAfter: TimeSpan.FromSeconds(1), ReminderAfter: TimeSpan.FromSeconds(3), CloseAfter: TimeSpan.FromSeconds(5))
    {
        FirstRetry = TimeSpan.FromMilliseconds(200),
    };

    private readonly ConcurrentQueue<string> calls = new();
    private readonly ConcurrentQueue<SlackAlert> alerts = new();
    private volatile bool contentOpened;
    private PurchaseRecorded recorded = new(ProductKnown: true, HasBuyerEmail: true);
    private DeliveryState welcomeDelivery = DeliveryState.Unknown;
    private string? mailStopped;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Satisfied_reply_gets_the_next_product_offer()
    {
        await using DurableTaskTestHost host = await this.StartHostAsync();
        string id = await StartAsync(host);

        await this.WaitForCallAsync(nameof(SendReviewRequest));
        await host.Client.RaiseEventAsync(id, JourneyEvents.SurveyReplied, new SurveyReply(5, "좋아요", DateTimeOffset.UtcNow), Ct);
        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);

        Assert.Equal(JourneyOutcome.OfferSent, done.ReadOutputAs<JourneyOutcome>());
        Assert.Equal(
            [nameof(RecordPurchase), nameof(SendWelcomeEmail), nameof(SendReviewRequest), nameof(SettleSurveyReply), nameof(RecordSurveyReply), nameof(SendNextProductOffer), nameof(CloseJourney)],
            this.calls);
        Assert.Equal(JourneyStages.OfferSent, done.SerializedCustomStatus?.Trim('"'));
    }

    [Fact]
    public async Task Unsatisfied_reply_alerts_the_seller_on_slack_with_the_comment_and_sends_no_offer()
    {
        await using DurableTaskTestHost host = await this.StartHostAsync();
        string id = await StartAsync(host);

        await this.WaitForCallAsync(nameof(SendReviewRequest));
        await host.Client.RaiseEventAsync(id, JourneyEvents.SurveyReplied, new SurveyReply(1, "<!channel> 환불해 주세요", DateTimeOffset.UtcNow), Ct);
        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);

        Assert.Equal(JourneyOutcome.Escalated, done.ReadOutputAs<JourneyOutcome>());
        Assert.DoesNotContain(nameof(SendNextProductOffer), this.calls);
        SlackAlert alert = Assert.Single(this.alerts);
        Assert.Equal($"{id}:alert-unhappy", alert.IdempotencyKey);
        Assert.Equal("<!channel> 환불해 주세요", alert.BuyerText);   // escaping is the notifier's job, tested there
        Assert.Contains(alert.Fields, f => f.Label == "Score" && f.Value == "1 / 5");
    }

    [Fact]
    public async Task Neutral_reply_ends_with_thanks_only()
    {
        await using DurableTaskTestHost host = await this.StartHostAsync();
        string id = await StartAsync(host);

        await this.WaitForCallAsync(nameof(SendReviewRequest));
        await host.Client.RaiseEventAsync(id, JourneyEvents.SurveyReplied, new SurveyReply(3, null, DateTimeOffset.UtcNow), Ct);
        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);

        Assert.Equal(JourneyOutcome.Thanked, done.ReadOutputAs<JourneyOutcome>());
        Assert.DoesNotContain(nameof(SendNextProductOffer), this.calls);
        Assert.Empty(this.alerts);
    }

    [Fact]
    public async Task Silence_with_unopened_content_gets_a_day_7_reminder_then_closes_as_no_reply()
    {
        await using DurableTaskTestHost host = await this.StartHostAsync();
        string id = await StartAsync(host);

        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);

        Assert.Equal(JourneyOutcome.NoReply, done.ReadOutputAs<JourneyOutcome>());
        Assert.Equal(
            [nameof(RecordPurchase), nameof(SendWelcomeEmail), nameof(SendReviewRequest), nameof(ReadEngagement), nameof(SendReminder), nameof(CloseJourney)],
            this.calls);
    }

    [Fact]
    public async Task A_journey_started_before_version_2_still_asks_has_opened_content_so_its_replay_matches_its_history()
    {
        await using DurableTaskTestHost host = await this.StartHostAsync();
        string id = await StartAsync(host, version: 1);

        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);

        Assert.Equal(JourneyOutcome.NoReply, done.ReadOutputAs<JourneyOutcome>());
        Assert.Contains(nameof(HasOpenedContent), this.calls);
        Assert.DoesNotContain(nameof(ReadEngagement), this.calls);
    }

    [Fact]
    public async Task A_bounced_welcome_gets_no_reminder_and_the_stage_says_it_was_skipped()
    {
        this.welcomeDelivery = DeliveryState.Bounced;
        this.mailStopped = "bounce";
        await using DurableTaskTestHost host = await this.StartHostAsync();
        string id = await StartAsync(host);

        await this.WaitForCallAsync(nameof(ReadEngagement));
        OrchestrationMetadata waiting = (await host.Client.GetInstanceAsync(id, getInputsAndOutputs: true, Ct))!;
        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);

        Assert.Equal(JourneyOutcome.NoReply, done.ReadOutputAs<JourneyOutcome>());
        Assert.DoesNotContain(nameof(SendReminder), this.calls);
        Assert.Contains(waiting.SerializedCustomStatus?.Trim('"'), new[] { JourneyStages.ReminderSkipped, JourneyStages.ClosedNoReply });
    }

    [Fact]
    public async Task When_reminders_need_a_delivered_welcome_an_unconfirmed_one_gets_no_reminder_and_a_delivered_one_does()
    {
        JourneySchedule strict = Fast with { ReminderNeedsDelivery = true };
        await using DurableTaskTestHost host = await this.StartHostAsync();

        string unconfirmed = await StartAsync(host, strict);
        await host.Client.WaitForInstanceCompletionAsync(unconfirmed, getInputsAndOutputs: false, Ct);
        Assert.DoesNotContain(nameof(SendReminder), this.calls);

        this.welcomeDelivery = DeliveryState.Delivered;
        string delivered = await StartAsync(host, strict);
        await host.Client.WaitForInstanceCompletionAsync(delivered, getInputsAndOutputs: false, Ct);
        Assert.Contains(nameof(SendReminder), this.calls);
    }

    [Fact]
    public async Task Opened_content_gets_no_reminder()
    {
        this.contentOpened = true;
        await using DurableTaskTestHost host = await this.StartHostAsync();
        string id = await StartAsync(host);

        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);

        Assert.Equal(JourneyOutcome.NoReply, done.ReadOutputAs<JourneyOutcome>());
        Assert.Contains(nameof(ReadEngagement), this.calls);
        Assert.DoesNotContain(nameof(SendReminder), this.calls);
    }

    [Fact]
    public async Task An_open_raised_before_day_7_skips_the_reminder_without_asking_the_crm()
    {
        await using DurableTaskTestHost host = await this.StartHostAsync();
        string id = await StartAsync(host);

        // Raised right after start, long before the journey looks at it: it must not be lost.
        await host.Client.RaiseEventAsync(id, JourneyEvents.ContentOpened, true, Ct);
        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);

        Assert.Equal(JourneyOutcome.NoReply, done.ReadOutputAs<JourneyOutcome>());
        Assert.DoesNotContain(nameof(SendReminder), this.calls);
        Assert.DoesNotContain(nameof(HasOpenedContent), this.calls);
        Assert.DoesNotContain(nameof(ReadEngagement), this.calls);
    }

    [Fact]
    public async Task A_reply_before_day_7_completes_the_journey_at_once_instead_of_waiting_for_the_timer()
    {
        JourneySchedule slow = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20));
        await using DurableTaskTestHost host = await this.StartHostAsync();
        string id = await StartAsync(host, slow);

        await this.WaitForCallAsync(nameof(SendReviewRequest));
        await host.Client.RaiseEventAsync(id, JourneyEvents.SurveyReplied, new SurveyReply(4, null, DateTimeOffset.UtcNow), Ct);
        using CancellationTokenSource soon = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        soon.CancelAfter(TimeSpan.FromSeconds(30));   // far below the 10-minute timer: it must have been cancelled
        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, soon.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(JourneyOutcome.OfferSent, done.ReadOutputAs<JourneyOutcome>());
    }

    [Fact]
    public async Task A_refund_mid_journey_stops_every_further_mail()
    {
        JourneySchedule slow = new(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(30));
        await using DurableTaskTestHost host = await this.StartHostAsync();
        string id = await StartAsync(host, slow);

        await this.WaitForCallAsync(nameof(SendWelcomeEmail));
        await host.Client.RaiseEventAsync(id, JourneyEvents.Refunded, new RefundNotice(DateTimeOffset.UtcNow), Ct);
        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);

        Assert.Equal(JourneyOutcome.Refunded, done.ReadOutputAs<JourneyOutcome>());
        Assert.Equal([nameof(RecordPurchase), nameof(SendWelcomeEmail), nameof(CloseJourney)], this.calls);
        Assert.Equal(JourneyStages.Refunded, done.SerializedCustomStatus?.Trim('"'));
    }

    [Fact]
    public async Task A_refund_after_the_review_request_ends_the_wait_for_the_reply()
    {
        JourneySchedule slow = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(30));
        await using DurableTaskTestHost host = await this.StartHostAsync();
        string id = await StartAsync(host, slow);

        await this.WaitForCallAsync(nameof(SendReviewRequest));
        await host.Client.RaiseEventAsync(id, JourneyEvents.Refunded, new RefundNotice(DateTimeOffset.UtcNow), Ct);
        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);

        Assert.Equal(JourneyOutcome.Refunded, done.ReadOutputAs<JourneyOutcome>());
        Assert.DoesNotContain(nameof(SendReminder), this.calls);
        Assert.DoesNotContain(nameof(SendNextProductOffer), this.calls);
    }

    [Fact]
    public async Task An_unknown_product_sends_no_welcome_mail_and_asks_the_seller_to_review()
    {
        this.recorded = new PurchaseRecorded(ProductKnown: false, HasBuyerEmail: true);
        await using DurableTaskTestHost host = await this.StartHostAsync();
        string id = await StartAsync(host);

        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);

        Assert.Equal(JourneyOutcome.NeedsReview, done.ReadOutputAs<JourneyOutcome>());
        Assert.Equal([nameof(RecordPurchase), nameof(CloseJourney)], this.calls);
        Assert.Equal($"{id}:alert-needs-review", Assert.Single(this.alerts).IdempotencyKey);
    }

    [Fact]
    public async Task An_impossible_amount_sends_no_welcome_mail_and_asks_the_seller_to_review()
    {
        this.recorded = new PurchaseRecorded(ProductKnown: true, HasBuyerEmail: true, AmountPlausible: false);
        await using DurableTaskTestHost host = await this.StartHostAsync();
        string id = await StartAsync(host);

        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);

        Assert.Equal(JourneyOutcome.NeedsReview, done.ReadOutputAs<JourneyOutcome>());
        Assert.Equal([nameof(RecordPurchase), nameof(CloseJourney)], this.calls);
    }

    [Fact]
    public async Task A_mail_step_that_keeps_failing_alerts_the_seller_and_the_journey_goes_on()
    {
        await using DurableTaskTestHost host = await this.StartHostAsync(failWelcome: true);
        string id = await StartAsync(host);

        await this.WaitForCallAsync(nameof(SendReviewRequest));
        await host.Client.RaiseEventAsync(id, JourneyEvents.SurveyReplied, new SurveyReply(5, null, DateTimeOffset.UtcNow), Ct);
        OrchestrationMetadata done = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, Ct);

        Assert.Equal(JourneyOutcome.OfferSent, done.ReadOutputAs<JourneyOutcome>());
        Assert.Equal(5, this.calls.Count(c => c == nameof(SendWelcomeEmail)));   // five attempts, then the seller is told
        Assert.Equal($"{id}:alert-failed-{nameof(SendWelcomeEmail)}", Assert.Single(this.alerts).IdempotencyKey);
    }

    private static async Task<string> StartAsync(DurableTaskTestHost host, JourneySchedule? schedule = null, int version = PostPurchaseJourney.CurrentVersion)
    {
        string id = $"stripe-pi_{Guid.NewGuid():N}";
        Purchase purchase = new("stripe", id["stripe-".Length..], "ord_1", new Buyer("minji.kim@example.com", "김민지", "ko"),
            "notion-automation-pack-v2", "노션 업무 자동화 템플릿 패키지", Money.Of(39000, "krw"), DateTimeOffset.UtcNow, "stripe");
        return await host.Client.ScheduleNewOrchestrationInstanceAsync(PostPurchaseJourney.Name,
            new JourneyInput(version, id, purchase, schedule ?? Fast), new StartOrchestrationOptions(id), Ct);
    }

    private Task<DurableTaskTestHost> StartHostAsync(bool failWelcome = false) => DurableTaskTestHost.StartAsync(tasks =>
    {
        tasks.AddOrchestratorFunc<JourneyInput, JourneyOutcome>(PostPurchaseJourney.Name, PostPurchaseJourney.RunAsync);
        tasks.AddActivityFunc<JourneyInput, PurchaseRecorded>(nameof(RecordPurchase), (_, _) => this.Record(nameof(RecordPurchase), this.recorded));
        tasks.AddActivityFunc<string, bool>(nameof(HasOpenedContent), (_, _) => this.Record(nameof(HasOpenedContent), this.contentOpened));
        tasks.AddActivityFunc<string, Engagement>(nameof(ReadEngagement), (_, _) =>
            this.Record(nameof(ReadEngagement), new Engagement(this.contentOpened, WelcomeOpened: false, this.welcomeDelivery, this.mailStopped)));
        tasks.AddActivityFunc<string, SurveyReply?>(nameof(SettleSurveyReply), (_, _) => this.Record<SurveyReply?>(nameof(SettleSurveyReply), null));
        tasks.AddActivityFunc<SlackAlert, bool>(nameof(PostSlackAlert), (_, alert) =>
        {
            this.alerts.Enqueue(alert);
            return true;
        });
        tasks.AddActivityFunc<JourneyInput, bool>(nameof(SendWelcomeEmail), (_, _) => failWelcome
            ? throw new HttpRequestException($"{this.Record(nameof(SendWelcomeEmail), 0)} SendGrid is down")
            : this.Record(nameof(SendWelcomeEmail), true));
        foreach (string name in new[] { nameof(SendReviewRequest), nameof(SendReminder), nameof(SendNextProductOffer) })
        {
            tasks.AddActivityFunc<JourneyInput, bool>(name, (_, _) => this.Record(name, true));
        }

        tasks.AddActivityFunc<ReplyRecorded, bool>(nameof(RecordSurveyReply), (_, _) => this.Record(nameof(RecordSurveyReply), true));
        tasks.AddActivityFunc<JourneyClosed, bool>(nameof(CloseJourney), (_, _) => this.Record(nameof(CloseJourney), true));
    });

    private T Record<T>(string name, T result)
    {
        this.calls.Enqueue(name);
        return result;
    }

    private async Task WaitForCallAsync(string name)
    {
        using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!this.calls.Contains(name))
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
