using System.Globalization;
using Azure.Data.Tables;

namespace PostPurchase.Crm;

/// <summary>What the seller's checkout said about an order before it was paid: Toss payments carry no buyer.</summary>
public sealed record ExpectedOrder(string OrderId, string BuyerEmail, string? BuyerName, string? Sku, DateTimeOffset ReceivedAt);

/// <summary>One inbound mail as stored before it was parsed, and what became of it.</summary>
public sealed record StoredMail(string MailId, DateTimeOffset ReceivedAt, string ContentType, int Size, string Status, string? Detail, string? InstanceId);

/// <summary>Statuses of a stored inbound mail; sellers see them on the mail row and in Slack.</summary>
public static class MailStatus
{
    public const string Received = "received";
    public const string Started = "journey-started";
    public const string Duplicate = "already-received";
    public const string Refund = "refund-recorded";
    public const string NotAReceipt = "not-a-receipt";
    public const string NeedsReview = "needs-review";
    public const string AwaitingSeller = "awaiting-seller";
}

/// <summary>
/// The rows the payment sources need besides orders, in a table of their own (so nothing that reads orders sees
/// them): expected orders, the cross-source match claims, journey aliases, raw inbound mail and door alert markers.
/// </summary>
public sealed partial class CustomerRepository
{
    public const string SourcesTableName = "PaymentSources";
    private const string AliasPartitionPrefix = "alias|";
    private const string NoticePartitionPrefix = "notice|";
    private const string AliasRow = "alias";
    private const string NoticeRow = "notice";
    private const string ExpectedPartitionPrefix = "expected|";
    private const string MatchPartitionPrefix = "match|";
    private const string MailPartitionPrefix = "mail|";
    private const string ExpectedRow = "expected";
    private const string MatchRow = "match";
    private const string MailRow = "mail";
    private const string ChunkRowPrefix = "chunk|";

    // Azure caps a binary property at 64 KiB and an entity at 1 MiB: 14 full properties leave room for keys and names.
    private const int ChunkPropertyBytes = 64 * 1024;
    private const int PropertiesPerChunkRow = 14;

    private readonly TableClient sources = tables.GetTableClient(tablePrefix + SourcesTableName);
    private Task? sourcesReady;

    /// <summary>Stores (or replaces) what the checkout knows about an order; the latest call wins.</summary>
    public async Task SaveExpectedOrderAsync(ExpectedOrder order, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        await this.EnsureSourcesAsync(cancellationToken);
        TableEntity row = new(ExpectedPartitionPrefix + TableKeys.Encode(order.OrderId), ExpectedRow)
        {
            ["OrderId"] = order.OrderId,
            ["BuyerEmail"] = order.BuyerEmail,
            ["ReceivedAt"] = order.ReceivedAt,
        };
        Set(row, "BuyerName", order.BuyerName);
        Set(row, "Sku", order.Sku);
        await this.sources.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<ExpectedOrder?> GetExpectedOrderAsync(string orderId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(orderId);
        await this.EnsureSourcesAsync(cancellationToken);
        TableEntity? row = await this.GetAsync(this.sources, ExpectedPartitionPrefix + TableKeys.Encode(orderId), ExpectedRow, cancellationToken);
        return row?.GetString("BuyerEmail") is not { Length: > 0 } email
            ? null
            : new ExpectedOrder(orderId, email, row.GetString("BuyerName"), row.GetString("Sku"), row.GetDateTimeOffset("ReceivedAt") ?? DateTimeOffset.MinValue);
    }

    /// <summary>
    /// Insert-only claim of a cross-source match key for a journey. Returns the journey that owns the key and the source
    /// it came through: this journey when this call (or an earlier one for it) won the key, else whoever got there first.
    /// </summary>
    public async Task<(string InstanceId, string Source)> ClaimMatchAsync(string matchKey, string instanceId, string source, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(matchKey);
        await this.EnsureSourcesAsync(cancellationToken);
        string partition = MatchPartitionPrefix + TableKeys.Encode(matchKey);
        TableEntity claim = new(partition, MatchRow) { ["InstanceId"] = instanceId, ["Source"] = source, ["ClaimedAt"] = time.GetUtcNow() };
        if (await TryAddAsync(this.sources, claim, cancellationToken))
        {
            return (instanceId, source);
        }

        TableEntity? owner = await this.GetAsync(this.sources, partition, MatchRow, cancellationToken);
        return (owner?.GetString("InstanceId") ?? instanceId, owner?.GetString("Source") ?? source);
    }

    /// <summary>Records that a payment id's journey is another one's (the same sale seen through another source); first alias wins.</summary>
    public async Task SetAliasAsync(string instanceId, string canonicalInstanceId, CancellationToken cancellationToken)
    {
        await this.EnsureSourcesAsync(cancellationToken);
        await TryAddAsync(this.sources, new TableEntity(AliasPartitionPrefix + TableKeys.Encode(instanceId), AliasRow) { ["InstanceId"] = canonicalInstanceId }, cancellationToken);
    }

    /// <summary>The journey a payment id was merged into, or null when it has its own.</summary>
    public async Task<string?> GetAliasAsync(string instanceId, CancellationToken cancellationToken)
    {
        await this.EnsureSourcesAsync(cancellationToken);
        TableEntity? row = await this.GetAsync(this.sources, AliasPartitionPrefix + TableKeys.Encode(instanceId), AliasRow, cancellationToken);
        return row?.GetString("InstanceId");
    }

    /// <summary>
    /// Stores the exact bytes of an inbound mail delivery (the whole Inbound Parse form) before anything parses it, so a
    /// mail that fails to parse can be replayed after a fix. The chunks are written first and the mail row last, so a
    /// mail row always has all its bytes.
    /// </summary>
    public async Task SaveMailAsync(string mailId, string contentType, byte[] body, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mailId);
        ArgumentNullException.ThrowIfNull(body);
        await this.EnsureSourcesAsync(cancellationToken);
        string partition = MailPartitionPrefix + TableKeys.Encode(mailId);
        int perRow = ChunkPropertyBytes * PropertiesPerChunkRow;
        int rows = 0;
        for (int offset = 0; offset < body.Length; offset += perRow, rows++)
        {
            TableEntity chunk = new(partition, ChunkRowPrefix + rows.ToString("D5", CultureInfo.InvariantCulture));
            int end = Math.Min(body.Length, offset + perRow);
            for (int p = 0, at = offset; at < end; p++, at += ChunkPropertyBytes)
            {
                chunk["D" + p.ToString("D2", CultureInfo.InvariantCulture)] = body[at..Math.Min(end, at + ChunkPropertyBytes)];
            }

            await this.sources.UpsertEntityAsync(chunk, TableUpdateMode.Replace, cancellationToken);
        }

        TableEntity mail = new(partition, MailRow)
        {
            ["MailId"] = mailId,
            ["ReceivedAt"] = time.GetUtcNow(),
            ["ContentType"] = contentType,
            ["Size"] = body.Length,
            ["Chunks"] = rows,
            ["Status"] = MailStatus.Received,
        };
        await this.sources.UpsertEntityAsync(mail, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>The stored mail's bytes and record, or null when no mail has that id.</summary>
    public async Task<(StoredMail Mail, byte[] Body)?> GetMailAsync(string mailId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mailId);
        await this.EnsureSourcesAsync(cancellationToken);
        string partition = MailPartitionPrefix + TableKeys.Encode(mailId);
        TableEntity? row = await this.GetAsync(this.sources, partition, MailRow, cancellationToken);
        if (row is null)
        {
            return null;
        }

        using MemoryStream body = new(row.GetInt32("Size") ?? 0);
        int chunks = row.GetInt32("Chunks") ?? 0;
        for (int i = 0; i < chunks; i++)
        {
            TableEntity? chunk = await this.GetAsync(this.sources, partition, ChunkRowPrefix + i.ToString("D5", CultureInfo.InvariantCulture), cancellationToken)
                ?? throw new InvalidOperationException($"Stored mail {mailId} is missing chunk {i}.");
            for (int p = 0; chunk.GetBinary("D" + p.ToString("D2", CultureInfo.InvariantCulture)) is { } part; p++)
            {
                body.Write(part);
            }
        }

        return (ToMail(row), body.ToArray());
    }

    /// <summary>Records what became of a stored mail (status, a short detail, the journey it fed).</summary>
    public async Task SetMailStatusAsync(string mailId, string status, string? detail, string? instanceId, CancellationToken cancellationToken)
    {
        await this.EnsureSourcesAsync(cancellationToken);
        await this.MutateAsync(this.sources, MailPartitionPrefix + TableKeys.Encode(mailId), MailRow, createIfMissing: false,
            row =>
            {
                row["Status"] = status;
                Set(row, "Detail", Truncate(detail, MaxCommentLength));
                Set(row, "InstanceId", instanceId);
                return true;
            },
            cancellationToken);
    }

    /// <summary>True when the door alert with this key was already posted.</summary>
    public async Task<bool> IsNoticePostedAsync(string key, CancellationToken cancellationToken)
    {
        await this.EnsureSourcesAsync(cancellationToken);
        return await this.GetAsync(this.sources, NoticePartitionPrefix + TableKeys.Encode(key), NoticeRow, cancellationToken) is not null;
    }

    public async Task MarkNoticePostedAsync(string key, string headline, CancellationToken cancellationToken)
    {
        await this.EnsureSourcesAsync(cancellationToken);
        TableEntity row = new(NoticePartitionPrefix + TableKeys.Encode(key), NoticeRow) { ["PostedAt"] = time.GetUtcNow(), ["Headline"] = headline };
        await this.sources.UpsertEntityAsync(row, TableUpdateMode.Replace, cancellationToken);
    }

    private Task EnsureSourcesAsync(CancellationToken cancellationToken)
    {
        Task? current = Volatile.Read(ref this.sourcesReady);
        if (current is null || current.IsFaulted || current.IsCanceled)
        {
            Task fresh = this.sources.CreateIfNotExistsAsync(CancellationToken.None);
            Task? raced = Interlocked.CompareExchange(ref this.sourcesReady, fresh, current);
            current = ReferenceEquals(raced, current) ? fresh : raced!;
        }

        return current.WaitAsync(cancellationToken);
    }

    private static StoredMail ToMail(TableEntity row) => new(
        row.GetString("MailId") ?? "",
        row.GetDateTimeOffset("ReceivedAt") ?? DateTimeOffset.MinValue,
        row.GetString("ContentType") ?? "",
        row.GetInt32("Size") ?? 0,
        row.GetString("Status") ?? MailStatus.Received,
        row.GetString("Detail"),
        row.GetString("InstanceId"));
}
