using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Data.Tables.Models;
using PostPurchase.Journey;
using PostPurchase.Purchases;

namespace PostPurchase.Crm;

/// <summary>
/// The seller's CRM on Table Storage. Orders table: one partition per journey instance holding the order
/// row, the step markers (timeline) and the engagement rows. Customers table: one row per buyer e-mail.
/// </summary>
/// <remarks>
/// Every change to an order or customer row is a read-modify-replace guarded by the row's ETag and retried
/// on a lost race, so concurrent activities (tags, a refund, a survey reply) never erase each other.
/// Writes that arrive before the order row (a refund raced ahead of RecordPurchase) land in a partial
/// row that <see cref="UpsertOrderAsync"/> later completes; <see cref="GetOrderAsync"/> returns null until then.
/// </remarks>
public sealed partial class CustomerRepository(TableServiceClient tables, TimeProvider time, string tablePrefix = "")
{
    public const string OrdersTableName = "Orders";
    public const string CustomersTableName = "Customers";
    public const string CustomerPartition = "customer";

    /// <summary>Survey comments are cut here; Table strings cap at 64 KiB and a seller reads a few lines anyway.</summary>
    public const int MaxCommentLength = 4000;

    internal const string OrderRow = "order";
    internal const string ClaimRow = "claim";
    internal const string OpenRow = "open";
    internal const string StepRowPrefix = "step|";

    // Past this, the oldest ids drop out of a customer's id list; only a replay of such an old order could then count twice.
    private const int MaxOrderIdsChars = 30_000;
    private const int MaxAttempts = 40;

    private readonly TableClient orders = tables.GetTableClient(tablePrefix + OrdersTableName);
    private readonly TableClient customers = tables.GetTableClient(tablePrefix + CustomersTableName);
    private Task? tablesReady;

    /// <summary>Creates both tables when missing. Every other method calls it once per instance, so a fresh Azurite just works.</summary>
    public Task EnsureTablesAsync(CancellationToken cancellationToken)
    {
        Task? current = Volatile.Read(ref this.tablesReady);
        if (current is null || current.IsFaulted || current.IsCanceled)
        {
            // Not tied to one caller's token: the cached task is shared. A failed attempt is retried by the next caller.
            Task fresh = this.CreateTablesAsync();
            Task? raced = Interlocked.CompareExchange(ref this.tablesReady, fresh, current);
            current = ReferenceEquals(raced, current) ? fresh : raced!;
        }

        return current.WaitAsync(cancellationToken);
    }

    /// <summary>Insert-only claim of an instance id by the door that received the payment; false when already claimed.</summary>
    public async Task<bool> TryClaimAsync(string instanceId, CancellationToken cancellationToken)
    {
        await this.EnsureTablesAsync(cancellationToken);
        TableEntity claim = new(PartitionFor(instanceId), ClaimRow) { ["ClaimedAt"] = time.GetUtcNow() };
        return await TryAddAsync(this.orders, claim, cancellationToken);
    }

    public async Task<DateTimeOffset?> GetClaimTimeAsync(string instanceId, CancellationToken cancellationToken)
    {
        TableEntity? claim = await this.GetAsync(this.orders, PartitionFor(instanceId), ClaimRow, cancellationToken);
        return claim?.GetDateTimeOffset("ClaimedAt");
    }

    public async Task ReleaseClaimAsync(string instanceId, CancellationToken cancellationToken)
    {
        await this.EnsureTablesAsync(cancellationToken);
        try
        {
            await this.orders.DeleteEntityAsync(PartitionFor(instanceId), ClaimRow, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // Already released: releasing is idempotent.
        }
    }

    /// <summary>Creates or replaces the order row and merges the buyer into the Customers table (tags unioned).</summary>
    /// <remarks>
    /// A replay must not undo what happened since the first write: a refund stays, survey answer,
    /// content-open time and report status are kept, tags are unioned.
    /// </remarks>
    public async Task UpsertOrderAsync(OrderRecord order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        string partition = PartitionFor(order.InstanceId);

        // The open row may predate the order row; carry its time over so the order row tells the whole story.
        TableEntity? open = await this.GetAsync(this.orders, partition, OpenRow, cancellationToken);
        DateTimeOffset? openedAt = open?.GetDateTimeOffset("OpenedAt");

        TableEntity? written = await this.MutateAsync(this.orders, partition, OrderRow, createIfMissing: true,
            row =>
            {
                ApplyOrder(row, order, openedAt);
                return true;
            },
            cancellationToken);

        // Only a deliverable address makes a customer: a malformed one stays on its order (needs-buyer-email) for the seller to fix.
        if (order.BuyerEmail is { } email && BuyerEmail.IsDeliverable(email) && written is not null)
        {
            await this.MergeCustomerAsync(email, order.InstanceId, order.BuyerName, order.Locale, order.PaidAt,
                SplitTags(written.GetString("Tags")), countOrder: true, cancellationToken);
        }
    }

    /// <summary>The order row, or null when no order was recorded for the instance (yet).</summary>
    public async Task<OrderRecord?> GetOrderAsync(string instanceId, CancellationToken cancellationToken)
    {
        // An id too long to be a key names no order: found nothing, rather than an exception (the order door answered 500).
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        if (!TableKeys.TryEncode(instanceId, out string? partition))
        {
            return null;
        }

        TableEntity? row = await this.GetAsync(this.orders, partition, OrderRow, cancellationToken);
        return row is null ? null : ToOrder(row);
    }

    /// <summary>Sets the order status; once refunded, later non-refund statuses are ignored (a late activity must not undo a refund).</summary>
    public async Task SetStatusAsync(string instanceId, string status, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(status);
        DateTimeOffset now = time.GetUtcNow();
        await this.MutateAsync(this.orders, PartitionFor(instanceId), OrderRow, createIfMissing: true,
            row =>
            {
                string? current = row.GetString("Status");
                bool refunding = IsRefunded(status);
                if (IsRefunded(current) && !refunding)
                {
                    return false;
                }

                bool changed = !string.Equals(current, status, StringComparison.Ordinal);
                row["Status"] = status;
                if (refunding && row.GetDateTimeOffset("RefundedAt") is null)
                {
                    row["RefundedAt"] = now;
                    changed = true;
                }

                return changed;
            },
            cancellationToken);
    }

    /// <summary>Adds tags to the order (case-insensitive union, first spelling and order kept) and to its buyer.</summary>
    public async Task AddTagsAsync(string instanceId, IEnumerable<string> tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tags);
        List<string> adding = NormalizeTags(tags);
        if (adding.Count == 0)
        {
            return;
        }

        TableEntity? row = await this.MutateAsync(this.orders, PartitionFor(instanceId), OrderRow, createIfMissing: true,
            row =>
            {
                string? before = row.GetString("Tags");
                string after = JoinTags(Union(SplitTags(before), adding));
                row["Tags"] = after;
                return !string.Equals(before ?? "", after, StringComparison.Ordinal);
            },
            cancellationToken);

        if (row?.GetString("BuyerEmail") is { Length: > 0 } email)
        {
            await this.MergeCustomerAsync(email, instanceId, name: null, locale: null, paidAt: null, adding, countOrder: false, cancellationToken);
        }
    }

    /// <summary>Records the first access-link open; true only the first time.</summary>
    public async Task<bool> RecordContentOpenAsync(string instanceId, DateTimeOffset openedAt, CancellationToken cancellationToken)
    {
        await this.EnsureTablesAsync(cancellationToken);
        string partition = PartitionFor(instanceId);
        bool first = await TryAddAsync(this.orders, new TableEntity(partition, OpenRow) { ["OpenedAt"] = openedAt }, cancellationToken);
        if (!first)
        {
            // A crash after the open row but before the stamp would otherwise leave the order row without it for good.
            TableEntity? open = await this.GetAsync(this.orders, partition, OpenRow, cancellationToken);
            openedAt = open?.GetDateTimeOffset("OpenedAt") ?? openedAt;
        }

        await this.MutateAsync(this.orders, partition, OrderRow, createIfMissing: false,
            row =>
            {
                if (row.GetDateTimeOffset("ContentOpenedAt") is not null)
                {
                    return false;
                }

                row["ContentOpenedAt"] = openedAt;
                return true;
            },
            cancellationToken);
        return first;
    }

    public async Task<bool> HasOpenedContentAsync(string instanceId, CancellationToken cancellationToken) =>
        await this.GetAsync(this.orders, PartitionFor(instanceId), OpenRow, cancellationToken) is not null;

    /// <summary>Stores the buyer's answer on the order row; a later answer (by reply time) replaces an earlier one.</summary>
    public async Task RecordSurveyReplyAsync(string instanceId, SurveyReply reply, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reply);
        await this.MutateAsync(this.orders, PartitionFor(instanceId), OrderRow, createIfMissing: true,
            row =>
            {
                // A replayed older answer must not replace the buyer's newer change of mind.
                if (row.GetDateTimeOffset("SurveyRepliedAt") is { } previous && previous > reply.RepliedAt)
                {
                    return false;
                }

                row["SurveyScore"] = reply.Score;
                Set(row, "SurveyComment", Truncate(reply.Comment, MaxCommentLength));
                row["SurveyRepliedAt"] = reply.RepliedAt;
                return true;
            },
            cancellationToken);
    }

    public async Task<bool> IsStepDoneAsync(string instanceId, string step, CancellationToken cancellationToken) =>
        await this.GetAsync(this.orders, PartitionFor(instanceId), StepRowFor(step), cancellationToken) is not null;

    /// <summary>Marks a step done (its idempotency marker) and records it on the timeline; re-marking replaces the entry.</summary>
    public async Task MarkStepAsync(string instanceId, string step, string outcome, string? detail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        await this.EnsureTablesAsync(cancellationToken);
        TableEntity marker = new(PartitionFor(instanceId), StepRowFor(step))
        {
            ["Step"] = step,
            ["At"] = time.GetUtcNow(),
            ["Outcome"] = outcome,
        };
        Set(marker, "Detail", Truncate(detail, MaxCommentLength));
        await this.orders.UpsertEntityAsync(marker, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>The steps of one journey in the order they happened.</summary>
    public async Task<IReadOnlyList<TimelineEntry>> GetTimelineAsync(string instanceId, CancellationToken cancellationToken)
    {
        await this.EnsureTablesAsync(cancellationToken);
        string partition = PartitionFor(instanceId);

        // '}' follows '|', so this range is exactly the "step|…" rows.
        string filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {StepRowPrefix} and RowKey lt {"step}"}");
        List<TimelineEntry> entries = [];
        await foreach (TableEntity row in this.orders.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            entries.Add(new TimelineEntry(
                row.GetString("Step") ?? TableKeys.Decode(row.RowKey[StepRowPrefix.Length..]),
                row.GetDateTimeOffset("At") ?? row.Timestamp ?? DateTimeOffset.MinValue,
                row.GetString("Outcome") ?? "",
                row.GetString("Detail")));
        }

        return [.. entries.OrderBy(e => e.At).ThenBy(e => e.Step, StringComparer.Ordinal)];
    }

    /// <summary>The buyer's CRM row, by e-mail (case and surrounding spaces ignored); null when unknown.</summary>
    public async Task<CustomerRecord?> GetCustomerAsync(string email, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(email);
        TableEntity? row = await this.GetAsync(this.customers, CustomerPartition, CustomerRowFor(email), cancellationToken);
        if (row is null)
        {
            return null;
        }

        return new CustomerRecord(
            row.GetString("Email") ?? email.Trim(),
            row.GetString("Name"),
            row.GetString("Locale"),
            SplitTags(row.GetString("Tags")),
            row.GetDateTimeOffset("FirstOrderAt"),
            row.GetDateTimeOffset("LastOrderAt"),
            row.GetInt32("OrderCount") ?? 0);
    }

    /// <summary>The Customers RowKey of an e-mail address: trimmed, lower-cased, key-encoded.</summary>
    public static string CustomerRowFor(string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        return TableKeys.Encode(email.Trim().ToLowerInvariant());
    }

    private static string PartitionFor(string instanceId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        return TableKeys.Encode(instanceId);
    }

    private static string StepRowFor(string step)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(step);
        return StepRowPrefix + TableKeys.Encode(step);
    }

    private async Task CreateTablesAsync()
    {
        await this.orders.CreateIfNotExistsAsync(CancellationToken.None);
        await this.customers.CreateIfNotExistsAsync(CancellationToken.None);
    }

    private async Task<TableEntity?> GetAsync(TableClient table, string partition, string row, CancellationToken cancellationToken)
    {
        await this.EnsureTablesAsync(cancellationToken);
        NullableResponse<TableEntity> response = await table.GetEntityIfExistsAsync<TableEntity>(partition, row, cancellationToken: cancellationToken);
        return response.HasValue ? response.Value : null;
    }

    private static async Task<bool> TryAddAsync(TableClient table, TableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            await table.AddEntityAsync(entity, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409 && ex.ErrorCode == TableErrorCode.EntityAlreadyExists)
        {
            return false;
        }
    }

    /// <summary>
    /// Read, change, write back with the read ETag (or insert-only when new); on a lost race read again.
    /// <paramref name="change"/> returns false when there is nothing to write. Returns the row as stored
    /// (null when it is missing and <paramref name="createIfMissing"/> is false).
    /// </summary>
    private async Task<TableEntity?> MutateAsync(
        TableClient table, string partition, string rowKey, bool createIfMissing, Func<TableEntity, bool> change, CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            TableEntity? existing = await this.GetAsync(table, partition, rowKey, cancellationToken);
            if (existing is null && !createIfMissing)
            {
                return null;
            }

            TableEntity row = existing ?? new TableEntity(partition, rowKey);
            if (!change(row))
            {
                return row;
            }

            try
            {
                if (existing is null)
                {
                    await table.AddEntityAsync(row, cancellationToken);
                }
                else
                {
                    await table.UpdateEntityAsync(row, existing.ETag, TableUpdateMode.Replace, cancellationToken);
                }

                return row;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Someone wrote in between (409: inserted first, 412: ETag moved on). Back off a little, spread out.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(attempt, 10) * (5 + Random.Shared.Next(10))), cancellationToken);
            }
        }
    }

    private async Task MergeCustomerAsync(
        string email, string instanceId, string? name, string? locale, DateTimeOffset? paidAt,
        IReadOnlyList<string> tags, bool countOrder, CancellationToken cancellationToken)
    {
        await this.MutateAsync(this.customers, CustomerPartition, CustomerRowFor(email), createIfMissing: countOrder,
            row =>
            {
                bool changed = false;
                string? beforeTags = row.GetString("Tags");
                string afterTags = JoinTags(Union(SplitTags(beforeTags), tags));
                if (!string.Equals(beforeTags ?? "", afterTags, StringComparison.Ordinal))
                {
                    row["Tags"] = afterTags;
                    changed = true;
                }

                if (!countOrder)
                {
                    return changed;
                }

                List<string> ids = ReadIds(row.GetString("OrderIds"));
                bool newOrder = !ids.Contains(instanceId, StringComparer.Ordinal);
                DateTimeOffset? last = row.GetDateTimeOffset("LastOrderAt");
                if (last is null || paidAt >= last)
                {
                    // Name, locale and the address's spelling follow the buyer's most recent order.
                    row["Email"] = email.Trim();
                    Set(row, "Name", string.IsNullOrWhiteSpace(name) ? row.GetString("Name") : name);
                    Set(row, "Locale", locale ?? row.GetString("Locale"));
                    row["LastOrderAt"] = paidAt;
                    changed = true;
                }

                if (row.GetDateTimeOffset("FirstOrderAt") is not { } first || paidAt < first)
                {
                    row["FirstOrderAt"] = paidAt;
                    changed = true;
                }

                if (newOrder)
                {
                    ids.Add(instanceId);
                    row["OrderIds"] = WriteIds(ids);
                    row["OrderCount"] = (row.GetInt32("OrderCount") ?? 0) + 1;
                    changed = true;
                }

                return changed;
            },
            cancellationToken);
    }

    private static void ApplyOrder(TableEntity row, OrderRecord order, DateTimeOffset? openedAt)
    {
        string? storedStatus = row.GetString("Status");
        string? storedReport = row.GetString("ReportStatus");
        bool answered = row.GetInt32("SurveyScore") is not null;

        row["InstanceId"] = order.InstanceId;
        row["Provider"] = order.Provider;
        row["PaymentId"] = order.PaymentId;
        Set(row, "OrderReference", order.OrderReference);
        Set(row, "BuyerEmail", order.BuyerEmail);
        Set(row, "BuyerName", order.BuyerName);
        row["Locale"] = order.Locale;
        Set(row, "Sku", order.Sku);
        row["ProductName"] = order.ProductName;
        row["AmountMinor"] = order.AmountMinor;
        row["Currency"] = order.Currency;
        row["PaidAt"] = order.PaidAt;

        // Table Storage keeps only the UTC instant; the offset lets a Korean order read back in +09:00.
        row["PaidAtOffsetMinutes"] = (int)order.PaidAt.Offset.TotalMinutes;
        row["Channel"] = order.Channel;
        row["Status"] = IsRefunded(storedStatus) ? storedStatus : order.Status;
        row["ReportStatus"] = storedReport is not null && order.ReportStatus == "pending" ? storedReport : order.ReportStatus;
        row["Tags"] = JoinTags(Union(SplitTags(row.GetString("Tags")), NormalizeTags(order.Tags)));
        if (!answered)
        {
            Set(row, "SurveyScore", order.SurveyScore);
            Set(row, "SurveyComment", Truncate(order.SurveyComment, MaxCommentLength));
            Set(row, "SurveyRepliedAt", order.SurveyRepliedAt);
        }

        Set(row, "ContentOpenedAt", row.GetDateTimeOffset("ContentOpenedAt") ?? order.ContentOpenedAt ?? openedAt);
        Set(row, "RefundedAt", row.GetDateTimeOffset("RefundedAt") ?? order.RefundedAt);
    }

    private static OrderRecord? ToOrder(TableEntity row)
    {
        // A partial row (status or tags written before the order itself) is not an order yet.
        if (row.GetString("Provider") is not { } provider
            || row.GetString("PaymentId") is not { } paymentId
            || row.GetDateTimeOffset("PaidAt") is not { } paidAt
            || row.GetInt64("AmountMinor") is not { } amount)
        {
            return null;
        }

        int offsetMinutes = row.GetInt32("PaidAtOffsetMinutes") ?? 0;
        return new OrderRecord
        {
            InstanceId = row.GetString("InstanceId") ?? TableKeys.Decode(row.PartitionKey),
            Provider = provider,
            PaymentId = paymentId,
            OrderReference = row.GetString("OrderReference"),
            BuyerEmail = row.GetString("BuyerEmail"),
            BuyerName = row.GetString("BuyerName"),
            Locale = row.GetString("Locale") ?? "",
            Sku = row.GetString("Sku"),
            ProductName = row.GetString("ProductName") ?? "",
            AmountMinor = amount,
            Currency = row.GetString("Currency") ?? "",
            PaidAt = paidAt.ToOffset(TimeSpan.FromMinutes(offsetMinutes)),
            Channel = row.GetString("Channel") ?? "",
            Status = row.GetString("Status") ?? "",
            ReportStatus = row.GetString("ReportStatus") ?? "pending",
            Tags = SplitTags(row.GetString("Tags")),
            SurveyScore = row.GetInt32("SurveyScore"),
            SurveyComment = row.GetString("SurveyComment"),
            SurveyRepliedAt = row.GetDateTimeOffset("SurveyRepliedAt"),
            ContentOpenedAt = row.GetDateTimeOffset("ContentOpenedAt"),
            RefundedAt = row.GetDateTimeOffset("RefundedAt"),
        };
    }

    private static bool IsRefunded(string? status) => string.Equals(status, OrderStatus.Refunded, StringComparison.OrdinalIgnoreCase);

    /// <summary>Null removes the property, so a replace leaves no stale value behind.</summary>
    private static void Set(TableEntity row, string name, object? value)
    {
        if (value is null)
        {
            row.Remove(name);
        }
        else
        {
            row[name] = value;
        }
    }

    private static string? Truncate(string? text, int max)
    {
        if (text is null || text.Length <= max)
        {
            return text;
        }

        // Never cut a surrogate pair in half: half an emoji is not valid UTF-16 on the wire.
        int cut = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return text[..cut];
    }

    // Tags are stored comma-joined, so a comma inside a tag splits it into two tags.
    private static List<string> NormalizeTags(IEnumerable<string> tags) =>
        Union([], tags.Where(t => t is not null).SelectMany(t => t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)));

    private static List<string> SplitTags(string? joined) =>
        string.IsNullOrEmpty(joined) ? [] : [.. joined.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

    private static string JoinTags(IEnumerable<string> tags) => string.Join(',', tags);

    private static List<string> Union(IEnumerable<string> existing, IEnumerable<string> adding)
    {
        List<string> result = [];
        HashSet<string> seen = new(StringComparer.OrdinalIgnoreCase);
        foreach (string tag in existing.Concat(adding))
        {
            if (seen.Add(tag))
            {
                result.Add(tag);
            }
        }

        return result;
    }

    private static List<string> ReadIds(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<string>>(json) ?? [];

    private static string WriteIds(List<string> ids)
    {
        string json = JsonSerializer.Serialize(ids);
        while (json.Length > MaxOrderIdsChars && ids.Count > 1)
        {
            ids.RemoveAt(0);
            json = JsonSerializer.Serialize(ids);
        }

        return json;
    }
}

/// <summary>The buyer's CRM row: one per e-mail address, merged over all their orders.</summary>
public sealed record CustomerRecord(
    string Email,
    string? Name,
    string? Locale,
    IReadOnlyList<string> Tags,
    DateTimeOffset? FirstOrderAt,
    DateTimeOffset? LastOrderAt,
    int OrderCount);
