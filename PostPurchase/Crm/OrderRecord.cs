namespace PostPurchase.Crm;

/// <summary>Order statuses a seller filters on.</summary>
public static class OrderStatus
{
    public const string Active = "active";
    public const string NeedsReview = "needs-review";
    public const string NeedsBuyerEmail = "needs-buyer-email";
    public const string MailFailed = "mail-failed";
    public const string Completed = "completed";
    public const string NoReply = "no-reply";
    public const string Refunded = "refunded";
    public const string Cancelled = "cancelled";
}

/// <summary>The CRM row of one order (Orders table, PartitionKey = journey instance id, RowKey = "order").</summary>
public sealed record OrderRecord
{
    public required string InstanceId { get; init; }
    public required string Provider { get; init; }
    public required string PaymentId { get; init; }
    public string? OrderReference { get; init; }
    public string? BuyerEmail { get; init; }
    public string? BuyerName { get; init; }
    public required string Locale { get; init; }
    public string? Sku { get; init; }
    public required string ProductName { get; init; }
    public required long AmountMinor { get; init; }
    public required string Currency { get; init; }
    public required DateTimeOffset PaidAt { get; init; }
    public required string Channel { get; init; }
    public required string Status { get; init; }
    /// <summary>Where the order stands in the seller's reporting; starts "pending".</summary>
    public string ReportStatus { get; init; } = "pending";
    public IReadOnlyList<string> Tags { get; init; } = [];
    public int? SurveyScore { get; init; }
    public string? SurveyComment { get; init; }
    public DateTimeOffset? SurveyRepliedAt { get; init; }
    public DateTimeOffset? ContentOpenedAt { get; init; }
    public DateTimeOffset? RefundedAt { get; init; }
}

/// <summary>One step of a journey as it happened (also the step's idempotency marker).</summary>
public sealed record TimelineEntry(string Step, DateTimeOffset At, string Outcome, string? Detail);
