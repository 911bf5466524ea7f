using PostPurchase.Purchases;

namespace PostPurchase.Journey;

/// <summary>Days after payment at which the journey acts; read from configuration by the starter, then frozen in the input.</summary>
public sealed record JourneySchedule(TimeSpan ReviewAfter, TimeSpan ReminderAfter, TimeSpan CloseAfter)
{
    /// <summary>First wait before an activity is retried (doubling, five attempts).</summary>
    public TimeSpan FirstRetry { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Buyer-local hours for the day-3 and day-7 mails. The starter sets 09:00–20:00; absent (older inputs) = any time.</summary>
    public SendWindow FollowUpWindow { get; init; } = SendWindow.AnyTime;

    /// <summary>Buyer-local hours for the next-product offer (advertising). The starter sets 08:00–21:00.</summary>
    public SendWindow OfferWindow { get; init; } = SendWindow.AnyTime;

    /// <summary>How many wall-clock seconds pass per real second: 1 in production, 1 day / Journey:DayLength when days are compressed.</summary>
    public double ClockScale { get; init; } = 1;

    /// <summary>The buyer's wall-clock time at the journey's anchor (payment); null = the anchor itself. Tests place a journey at 22:30 KST with it.</summary>
    public DateTimeOffset? ClockStart { get; init; }

    /// <summary>After the first survey click the journey waits this long for a changed score or a comment before it acts.</summary>
    public TimeSpan ReplyGrace { get; init; } = TimeSpan.Zero;

    /// <summary>When true the day-7 reminder only goes if SendGrid reported the welcome mail delivered (needs the event webhook).</summary>
    public bool ReminderNeedsDelivery { get; init; }

    /// <summary>The buyer's wall clock for this journey, anchored at <paramref name="anchor"/> (real UTC).</summary>
    public JourneyClock ClockFrom(DateTime anchor) =>
        new(anchor, this.ClockStart ?? new DateTimeOffset(DateTime.SpecifyKind(anchor, DateTimeKind.Utc)), this.ClockScale > 0 ? this.ClockScale : 1);
}

/// <summary>Everything the orchestrator needs; nothing in it changes after the journey starts.</summary>
public sealed record JourneyInput(int Version, string InstanceId, Purchase Purchase, JourneySchedule Schedule);

/// <summary>The buyer's one-question survey answer (1–5) and an optional comment.</summary>
public sealed record SurveyReply(int Score, string? Comment, DateTimeOffset RepliedAt);

public sealed record RefundNotice(DateTimeOffset RefundedAt);

/// <summary>What <c>RecordPurchase</c> found: a journey only mails when all are true.</summary>
/// <remarks><see cref="AmountPlausible"/> came later: histories written before it read as true.</remarks>
public sealed record PurchaseRecorded(bool ProductKnown, bool HasBuyerEmail, bool AmountPlausible = true);

public sealed record JourneyClosed(string InstanceId, JourneyOutcome Outcome);

/// <summary>What the CRM knows at day 7: the first-party access-link open, and SendGrid's signals about the mails.</summary>
/// <param name="ContentOpened">An access link was opened (/api/go): the reliable signal.</param>
/// <param name="WelcomeOpened">SendGrid saw the welcome mail opened: weaker (image blocking, privacy proxies), recorded beside it.</param>
/// <param name="Welcome">What SendGrid reported about the welcome mail's delivery.</param>
/// <param name="MailStopped">Why no more mail may go to the buyer's address (bounce, spam report), or null.</param>
public sealed record Engagement(bool ContentOpened, bool WelcomeOpened, DeliveryState Welcome, string? MailStopped);

public enum DeliveryState
{
    /// <summary>No event (the outbox channel, or SendGrid's event webhook is off).</summary>
    Unknown,
    Delivered,
    Bounced,
}

public sealed record ReplyRecorded(JourneyInput Journey, SurveyReply Reply);

public enum JourneyOutcome
{
    OfferSent,
    Escalated,
    Thanked,
    NoReply,
    Refunded,
    NeedsReview,
}

/// <summary>Names of the external events buyer actions raise on a journey.</summary>
public static class JourneyEvents
{
    public const string SurveyReplied = "SurveyReply";
    public const string ContentOpened = "ContentOpened";
    public const string Refunded = "Refunded";
}

/// <summary>The stage shown in the custom status, so status endpoints tell where every order is.</summary>
public static class JourneyStages
{
    public const string Recorded = "recorded";
    public const string NeedsReview = "needs-review";
    public const string AwaitingDay3 = "awaiting-day3";
    public const string ReviewRequested = "review-requested";
    public const string Reminded = "reminded";
    public const string ReminderSkipped = "reminder-skipped";
    public const string ReplyReceived = "reply-received";
    public const string OfferDeferred = "offer-deferred";
    public const string AwaitingReply = "awaiting-reply";
    public const string OfferSent = "offer-sent";
    public const string Escalated = "escalated";
    public const string Thanked = "thanked";
    public const string ClosedNoReply = "closed-no-reply";
    public const string Refunded = "refunded";
}
