using Azure.Data.Tables;
using PostPurchase.Journey;
using PostPurchase.Purchases;

namespace PostPurchase.Crm;

/// <summary>A delivery signal SendGrid reported for one mail of one order.</summary>
public sealed record MailEvent(string Step, string Event, DateTimeOffset At, string? Reason);

/// <summary>What the CRM knows about one mail (one journey step): the first time of each SendGrid event.</summary>
public sealed record MailEngagement(string Step, IReadOnlyDictionary<string, DateTimeOffset> FirstSeen, string? LastReason);

/// <summary>Why a survey answer was or was not taken.</summary>
public enum SurveyUpdate
{
    Recorded,
    AlreadySettled,
    NoOrder,
}

/// <summary>
/// Engagement signals, mail suppression, marketing consent and the survey's settle point. Mail signals live in the
/// order's partition (row "mail|{step}"); a stopped address and a marketing opt-out live on the buyer's Customers row,
/// because they hold for every order of that address.
/// </summary>
public sealed partial class CustomerRepository
{
    internal const string MailRowPrefix = "mail|";

    /// <summary>The SendGrid events this CRM keeps (others, such as "processed" and "deferred", are not signals a seller acts on).</summary>
    public static readonly IReadOnlySet<string> TrackedMailEvents = new HashSet<string>(StringComparer.Ordinal)
    {
        "delivered", "open", "click", "bounce", "dropped", "spamreport", "unsubscribe", "group_unsubscribe",
    };

    /// <summary>Records the first time of each event for the mail; later repeats (opens, redeliveries) change nothing.</summary>
    public async Task RecordMailEventAsync(string instanceId, MailEvent mailEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mailEvent);
        string column = ColumnFor(mailEvent.Event);
        await this.MutateAsync(this.orders, PartitionFor(instanceId), MailRowPrefix + TableKeys.Encode(mailEvent.Step), createIfMissing: true,
            row =>
            {
                row["Step"] = mailEvent.Step;
                bool changed = false;
                if (row.GetDateTimeOffset(column) is not { } first || mailEvent.At < first)
                {
                    row[column] = mailEvent.At;
                    changed = true;
                }

                if (!string.IsNullOrWhiteSpace(mailEvent.Reason) && row.GetString("LastReason") != mailEvent.Reason)
                {
                    Set(row, "LastReason", Truncate(mailEvent.Reason, 500));
                    changed = true;
                }

                return changed;
            },
            cancellationToken);
    }

    public async Task<IReadOnlyList<MailEngagement>> GetMailEngagementAsync(string instanceId, CancellationToken cancellationToken)
    {
        await this.EnsureTablesAsync(cancellationToken);
        string partition = PartitionFor(instanceId);

        // '}' follows '|': exactly the "mail|…" rows.
        string filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {MailRowPrefix} and RowKey lt {"mail}"}");
        List<MailEngagement> mails = [];
        await foreach (TableEntity row in this.orders.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            Dictionary<string, DateTimeOffset> seen = new(StringComparer.Ordinal);
            foreach (string name in TrackedMailEvents)
            {
                if (row.GetDateTimeOffset(ColumnFor(name)) is { } at)
                {
                    seen[name] = at;
                }
            }

            mails.Add(new MailEngagement(row.GetString("Step") ?? TableKeys.Decode(row.RowKey[MailRowPrefix.Length..]), seen, row.GetString("LastReason")));
        }

        return mails;
    }

    /// <summary>The day-7 facts: access-link open, the welcome mail's delivery and opens, and whether the address is stopped.</summary>
    public async Task<Engagement> GetEngagementAsync(string instanceId, string welcomeStep, CancellationToken cancellationToken)
    {
        bool opened = await this.HasOpenedContentAsync(instanceId, cancellationToken);
        MailEngagement? welcome = (await this.GetMailEngagementAsync(instanceId, cancellationToken)).FirstOrDefault(m => m.Step == welcomeStep);
        DeliveryState delivery = welcome is null ? DeliveryState.Unknown
            : welcome.FirstSeen.ContainsKey("bounce") || welcome.FirstSeen.ContainsKey("dropped") ? DeliveryState.Bounced
            : welcome.FirstSeen.ContainsKey("delivered") ? DeliveryState.Delivered
            : DeliveryState.Unknown;
        OrderRecord? order = await this.GetOrderAsync(instanceId, cancellationToken);
        string? stopped = order?.BuyerEmail is { Length: > 0 } email ? await this.GetMailStopAsync(email, cancellationToken) : null;
        return new Engagement(opened, welcome?.FirstSeen.ContainsKey("open") == true, delivery, stopped);
    }

    /// <summary>Stops every further mail to the address (hard bounce, spam report). The first reason is kept.</summary>
    public async Task StopMailAsync(string email, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        DateTimeOffset now = time.GetUtcNow();
        await this.MutateAsync(this.customers, CustomerPartition, CustomerRowFor(email), createIfMissing: true,
            row =>
            {
                if (row.GetString("MailStopped") is not null)
                {
                    return false;
                }

                row["MailStopped"] = reason;
                row["MailStoppedAt"] = now;
                return true;
            },
            cancellationToken);
    }

    /// <summary>Why mail to the address is stopped, or null when it may be mailed.</summary>
    public async Task<string?> GetMailStopAsync(string email, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        TableEntity? row = await this.GetAsync(this.customers, CustomerPartition, CustomerRowFor(email), cancellationToken);
        return row?.GetString("MailStopped");
    }

    /// <summary>Records consent on the order the first time; a replay keeps the original source and time.</summary>
    public async Task RecordMarketingConsentAsync(string instanceId, MarketingConsent consent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(consent);
        await this.MutateAsync(this.orders, PartitionFor(instanceId), OrderRow, createIfMissing: true,
            row =>
            {
                if (row.GetString("MarketingConsent") is not null)
                {
                    return false;
                }

                row["MarketingConsent"] = consent.Source;
                row["MarketingConsentAt"] = consent.At;
                return true;
            },
            cancellationToken);
    }

    public async Task<MarketingConsent?> GetMarketingConsentAsync(string instanceId, CancellationToken cancellationToken)
    {
        TableEntity? row = await this.GetAsync(this.orders, PartitionFor(instanceId), OrderRow, cancellationToken);
        return row?.GetString("MarketingConsent") is { } source && row.GetDateTimeOffset("MarketingConsentAt") is { } at
            ? new MarketingConsent(source, at)
            : null;
    }

    /// <summary>
    /// A click or comment from the survey page. Until the journey settles the reply, a new score replaces the old one
    /// and a comment is added; afterwards nothing changes. ETag-guarded on the order row, like the settle itself,
    /// so a click racing the settle either lands before it or is refused, never lost silently.
    /// </summary>
    public async Task<SurveyUpdate> UpdateSurveyAsync(string instanceId, int? score, string? comment, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (await this.GetOrderAsync(instanceId, cancellationToken) is null)
        {
            return SurveyUpdate.NoOrder;
        }

        bool settled = false;
        await this.MutateAsync(this.orders, PartitionFor(instanceId), OrderRow, createIfMissing: false,
            row =>
            {
                settled = row.GetDateTimeOffset("SurveySettledAt") is not null;
                if (settled)
                {
                    return false;
                }

                if (score is { } s)
                {
                    row["SurveyScore"] = s;
                }

                if (!string.IsNullOrWhiteSpace(comment))
                {
                    row["SurveyComment"] = Truncate(comment.Trim(), MaxCommentLength);
                }

                row["SurveyRepliedAt"] = at;
                return true;
            },
            cancellationToken);
        return settled ? SurveyUpdate.AlreadySettled : SurveyUpdate.Recorded;
    }

    /// <summary>Freezes the buyer's answer for the journey and returns it (null when the CRM holds none).</summary>
    public async Task<SurveyReply?> SettleSurveyAsync(string instanceId, CancellationToken cancellationToken)
    {
        DateTimeOffset now = time.GetUtcNow();
        TableEntity? row = await this.MutateAsync(this.orders, PartitionFor(instanceId), OrderRow, createIfMissing: false,
            row =>
            {
                if (row.GetDateTimeOffset("SurveySettledAt") is not null)
                {
                    return false;
                }

                row["SurveySettledAt"] = now;
                return true;
            },
            cancellationToken);
        return row?.GetInt32("SurveyScore") is { } score
            ? new SurveyReply(score, row.GetString("SurveyComment"), row.GetDateTimeOffset("SurveyRepliedAt") ?? now)
            : null;
    }

    public async Task<bool> IsSurveySettledAsync(string instanceId, CancellationToken cancellationToken)
    {
        TableEntity? row = await this.GetAsync(this.orders, PartitionFor(instanceId), OrderRow, cancellationToken);
        return row?.GetDateTimeOffset("SurveySettledAt") is not null;
    }

    private static string ColumnFor(string mailEvent) => mailEvent switch
    {
        "delivered" => "DeliveredAt",
        "open" => "OpenAt",
        "click" => "ClickAt",
        "bounce" => "BounceAt",
        "dropped" => "DroppedAt",
        "spamreport" => "SpamReportAt",
        "unsubscribe" => "UnsubscribeAt",
        "group_unsubscribe" => "GroupUnsubscribeAt",
        _ => throw new ArgumentException($"SendGrid event '{mailEvent}' is not tracked.", nameof(mailEvent)),
    };
}
