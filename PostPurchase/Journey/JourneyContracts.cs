using PostPurchase.Purchases;

namespace PostPurchase.Journey;

/// <summary>Days after payment at which the journey acts; read from configuration by the starter, then frozen in the input.</summary>
public sealed record JourneySchedule(TimeSpan ReviewAfter, TimeSpan ReminderAfter, TimeSpan CloseAfter)
{
    /// <summary>First wait before an activity is retried (doubling, five attempts).</summary>
    public TimeSpan FirstRetry { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>Everything the orchestrator needs; nothing in it changes after the journey starts.</summary>
public sealed record JourneyInput(int Version, string InstanceId, Purchase Purchase, JourneySchedule Schedule);

/// <summary>The buyer's one-question survey answer (1–5) and an optional comment.</summary>
public sealed record SurveyReply(int Score, string? Comment, DateTimeOffset RepliedAt);

public sealed record RefundNotice(DateTimeOffset RefundedAt);

/// <summary>What <c>RecordPurchase</c> found: a journey only mails when both are true.</summary>
public sealed record PurchaseRecorded(bool ProductKnown, bool HasBuyerEmail);

public sealed record JourneyClosed(string InstanceId, JourneyOutcome Outcome);

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
    public const string Welcomed = "welcomed";
    public const string AwaitingDay3 = "awaiting-day3";
    public const string ReviewRequested = "review-requested";
    public const string Reminded = "reminded";
    public const string AwaitingReply = "awaiting-reply";
    public const string OfferSent = "offer-sent";
    public const string Escalated = "escalated";
    public const string Thanked = "thanked";
    public const string ClosedNoReply = "closed-no-reply";
    public const string Refunded = "refunded";
}
