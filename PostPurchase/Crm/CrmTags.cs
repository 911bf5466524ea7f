namespace PostPurchase.Crm;

/// <summary>Tags the journey sets; sellers filter their customers on them.</summary>
public static class CrmTags
{
    public const string Satisfied = "satisfied";
    public const string Neutral = "neutral";
    public const string NeedsAttention = "needs-attention";
    public const string Unsubscribed = "unsubscribed";
    public const string Refunded = "refunded";
}
