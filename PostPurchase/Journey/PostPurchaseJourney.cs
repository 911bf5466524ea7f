using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using PostPurchase.Activities;
using PostPurchase.Notifications;

namespace PostPurchase.Journey;

/// <summary>
/// The one journey: record → welcome → day 3 review request → day 7 reminder if the content was never
/// opened → branch on the survey reply until the closing day. A refund ends it at any point.
/// Deterministic: time from the context, schedule from the input, every side effect in an activity.
/// </summary>
public static partial class PostPurchaseJourney
{
    public const string Name = "PostPurchaseJourney";

    /// <summary>Version stamped into new inputs; branch on input.Version when a change would break sleeping journeys.</summary>
    /// <remarks>2: the day-7 decision reads SendGrid's signals (ReadEngagement) and the survey reply is settled after a grace period (SettleSurveyReply).</remarks>
    public const int CurrentVersion = 2;

    /// <summary>Registers the orchestrator with an SDK worker. Kept in this file: the DURABLE analyzers follow the method group within one syntax tree only.</summary>
    public static void Register(DurableTaskRegistry registry) =>
        registry.AddOrchestratorFunc<JourneyInput, JourneyOutcome>(Name, RunAsync);

    public static async Task<JourneyOutcome> RunAsync(TaskOrchestrationContext context, JourneyInput input)
    {
        ILogger logger = context.CreateReplaySafeLogger(Name);
        string id = input.InstanceId;
        JourneySchedule schedule = input.Schedule;
        TaskOptions retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
            maxNumberOfAttempts: 5, firstRetryInterval: schedule.FirstRetry, backoffCoefficient: 2.0));

        // Days count from the payment, or from the journey's start when the event arrived late (reconciliation, demo samples).
        DateTime start = context.CurrentUtcDateTime;
        DateTime anchor = input.Purchase.PaidAt.UtcDateTime > start ? input.Purchase.PaidAt.UtcDateTime : start;

        // Follow-ups and offers go only inside the buyer's local send windows, read on the journey's own clock.
        JourneyClock clock = schedule.ClockFrom(anchor);
        string? zone = input.Purchase.Buyer.TimeZone;
        DateTime FollowUpAt(DateTime due) => SendWindows.NextOpen(due, schedule.FollowUpWindow, zone, clock);

        // Listened to from the start, so a refund or an open that arrives early is never lost.
        Task<RefundNotice> refund = context.WaitForExternalEvent<RefundNotice>(JourneyEvents.Refunded);
        Task<bool> opened = context.WaitForExternalEvent<bool>(JourneyEvents.ContentOpened);

        context.SetCustomStatus(JourneyStages.Recorded);
        PurchaseRecorded recorded;
        try
        {
            recorded = await context.CallActivityAsync<PurchaseRecorded>(nameof(RecordPurchase), input, retry);
        }
        catch (TaskFailedException failure)
        {
            // The CRM could not take the order even after retries: the seller must hear of a paid order nobody welcomed.
            context.SetCustomStatus(JourneyStages.NeedsReview);
            await AlertAsync(context, retry, SellerAlerts.StepFailed(input, nameof(RecordPurchase), failure.FailureDetails.ErrorType));
            return JourneyOutcome.NeedsReview;
        }

        if (!recorded.ProductKnown || !recorded.HasBuyerEmail || !recorded.AmountPlausible)
        {
            // No welcome mail with wrong links or to nobody: the seller fixes the order by hand.
            context.SetCustomStatus(JourneyStages.NeedsReview);
            await AlertAsync(context, retry, SellerAlerts.NeedsReview(input, recorded));
            return await CloseAsync(context, retry, id, JourneyOutcome.NeedsReview);
        }

        if (refund.IsCompleted)
        {
            return await RefundedAsync(context, retry, id);
        }

        await SendAsync(context, retry, nameof(SendWelcomeEmail), input);
        context.SetCustomStatus(JourneyStages.AwaitingDay3);

        if (!await SleepUntilAsync(context, FollowUpAt(anchor + schedule.ReviewAfter), refund))
        {
            return await RefundedAsync(context, retry, id);
        }

        await SendAsync(context, retry, nameof(SendReviewRequest), input);
        context.SetCustomStatus(JourneyStages.ReviewRequested);

        (SurveyReply? reply, bool wasRefunded) = await WaitForReplyAsync(context, FollowUpAt(anchor + schedule.ReminderAfter), refund);
        if (wasRefunded)
        {
            return await RefundedAsync(context, retry, id);
        }

        if (reply is null)
        {
            string? skipReason = await ReminderSkipReasonAsync(context, retry, input, opened);
            if (skipReason is null)
            {
                await SendAsync(context, retry, nameof(SendReminder), input);
                context.SetCustomStatus(JourneyStages.Reminded);
            }
            else
            {
                context.SetCustomStatus(skipReason);
            }

            (reply, wasRefunded) = await WaitForReplyAsync(context, anchor + schedule.CloseAfter, refund);
            if (wasRefunded)
            {
                return await RefundedAsync(context, retry, id);
            }
        }

        if (reply is null)
        {
            LogNoReply(logger, id);
            context.SetCustomStatus(JourneyStages.ClosedNoReply);
            return await CloseAsync(context, retry, id, JourneyOutcome.NoReply);
        }

        if (input.Version >= 2)
        {
            // The buyer may still change the score or add a comment; then the CRM's latest answer is the one acted on.
            context.SetCustomStatus(JourneyStages.ReplyReceived);
            if (schedule.ReplyGrace > TimeSpan.Zero && !await SleepUntilAsync(context, context.CurrentUtcDateTime + schedule.ReplyGrace, refund))
            {
                return await RefundedAsync(context, retry, id);
            }

            reply = await context.CallActivityAsync<SurveyReply?>(nameof(SettleSurveyReply), id, retry) ?? reply;
        }

        await context.CallActivityAsync(nameof(RecordSurveyReply), new ReplyRecorded(input, reply), retry);
        if (reply.Score >= 4)
        {
            // Advertising waits for the buyer's daytime (never 21:00–08:00 by default): deferred, not dropped.
            DateTime offerAt = SendWindows.NextOpen(context.CurrentUtcDateTime, schedule.OfferWindow, zone, clock);
            if (offerAt > context.CurrentUtcDateTime)
            {
                context.SetCustomStatus(JourneyStages.OfferDeferred);
                if (!await SleepUntilAsync(context, offerAt, refund))
                {
                    return await RefundedAsync(context, retry, id);
                }
            }

            await SendAsync(context, retry, nameof(SendNextProductOffer), input);
            context.SetCustomStatus(JourneyStages.OfferSent);
            return await CloseAsync(context, retry, id, JourneyOutcome.OfferSent);
        }

        if (reply.Score <= 2)
        {
            await AlertAsync(context, retry, SellerAlerts.UnhappyBuyer(input, reply));
            context.SetCustomStatus(JourneyStages.Escalated);
            return await CloseAsync(context, retry, id, JourneyOutcome.Escalated);
        }

        context.SetCustomStatus(JourneyStages.Thanked);
        return await CloseAsync(context, retry, id, JourneyOutcome.Thanked);
    }

    /// <summary>
    /// Day 7 without a reply: null when the reminder should go, else the stage that says why not. Only an
    /// access-link open counts as "opened" (mail opens are recorded but unreliable); a bounced or spam-reported
    /// address gets nothing more; optionally a welcome that SendGrid never reported delivered gets no reminder either.
    /// </summary>
    private static async Task<string?> ReminderSkipReasonAsync(TaskOrchestrationContext context, TaskOptions retry, JourneyInput input, Task<bool> opened)
    {
        if (opened.IsCompleted)
        {
            return JourneyStages.AwaitingReply;
        }

        if (input.Version < 2)
        {
            return await context.CallActivityAsync<bool>(nameof(HasOpenedContent), input.InstanceId, retry) ? JourneyStages.AwaitingReply : null;
        }

        Engagement seen = await context.CallActivityAsync<Engagement>(nameof(ReadEngagement), input.InstanceId, retry);
        return seen.ContentOpened ? JourneyStages.AwaitingReply
            : seen.MailStopped is not null || seen.Welcome == DeliveryState.Bounced ? JourneyStages.ReminderSkipped
            : input.Schedule.ReminderNeedsDelivery && seen.Welcome != DeliveryState.Delivered ? JourneyStages.ReminderSkipped
            : null;
    }

    /// <summary>Sleeps to <paramref name="until"/>; false when a refund arrived first (the timer is cancelled).</summary>
    private static async Task<bool> SleepUntilAsync(TaskOrchestrationContext context, DateTime until, Task<RefundNotice> refund)
    {
        if (refund.IsCompleted)
        {
            return false;
        }

        using CancellationTokenSource cancel = new();
        Task timer = context.CreateTimer(until, cancel.Token);
        Task winner = await Task.WhenAny(timer, refund);
        cancel.Cancel();   // Cancel(), not CancelAsync(): the continuation must stay on the orchestration's turn
        return winner == timer;
    }

    /// <summary>Reply-or-deadline race (a refund also ends it); the losers are cancelled.</summary>
    private static async Task<(SurveyReply? Reply, bool Refunded)> WaitForReplyAsync(
        TaskOrchestrationContext context, DateTime deadline, Task<RefundNotice> refund)
    {
        if (refund.IsCompleted)
        {
            return (null, true);
        }

        using CancellationTokenSource cancel = new();
        Task<SurveyReply> reply = context.WaitForExternalEvent<SurveyReply>(JourneyEvents.SurveyReplied, cancel.Token);
        Task timer = context.CreateTimer(deadline, cancel.Token);
        Task winner = await Task.WhenAny(reply, timer, refund);
        cancel.Cancel();
        return winner == reply ? (await reply, false) : (null, winner == refund);
    }

    /// <summary>A mail step; if it still fails after its retries the seller hears of it and the journey goes on.</summary>
    private static async Task SendAsync(TaskOrchestrationContext context, TaskOptions retry, string activity, JourneyInput input)
    {
        try
        {
            await context.CallActivityAsync<bool>(activity, input, retry);
        }
        catch (TaskFailedException failure)
        {
            await AlertAsync(context, retry, SellerAlerts.StepFailed(input, activity, failure.FailureDetails.ErrorType));
        }
    }

    /// <summary>Slack never blocks a journey: an alert that cannot be delivered after retries is dropped here (the activity logged it).</summary>
    private static async Task AlertAsync(TaskOrchestrationContext context, TaskOptions retry, SlackAlert alert)
    {
        try
        {
            await context.CallActivityAsync<bool>(nameof(PostSlackAlert), alert, retry);
        }
        catch (TaskFailedException)
        {
            // Already logged by the activity on every attempt; the buyer's journey must not wait on the seller's Slack.
        }
    }

    private static async Task<JourneyOutcome> RefundedAsync(TaskOrchestrationContext context, TaskOptions retry, string id)
    {
        context.SetCustomStatus(JourneyStages.Refunded);
        return await CloseAsync(context, retry, id, JourneyOutcome.Refunded);
    }

    private static async Task<JourneyOutcome> CloseAsync(TaskOrchestrationContext context, TaskOptions retry, string id, JourneyOutcome outcome)
    {
        await context.CallActivityAsync(nameof(CloseJourney), new JourneyClosed(id, outcome), retry);
        return outcome;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Journey {InstanceId}: no survey reply before the closing day")]
    private static partial void LogNoReply(ILogger logger, string instanceId);
}
