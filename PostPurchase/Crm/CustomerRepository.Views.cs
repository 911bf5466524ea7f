using System.Security.Cryptography;
using System.Text;
using Azure;
using Azure.Data.Tables;

namespace PostPurchase.Crm;

/// <summary>What a seller filters orders on (the Airtable "filter view").</summary>
public sealed record OrderFilter(string? Sku = null, string? Status = null, DateTimeOffset? From = null, DateTimeOffset? To = null);

/// <summary>What a seller filters customers on; every value is matched against the buyer's tags.</summary>
public sealed record CustomerFilter(string? Tag = null, string? Sku = null, string? Status = null, string? Channel = null);

public sealed record ResultPage<T>(IReadOnlyList<T> Items, string? Continuation);

/// <summary>Paging helpers for the seller's list views.</summary>
public static class ResultPages
{
    /// <summary>
    /// One page of a view filtered where Table Storage cannot filter: reads on (up to <paramref name="maxLookedAt"/>
    /// rows) until the page holds <paramref name="pageSize"/> kept items, so a filter never answers an empty page that
    /// promises more. <paramref name="keep"/> returns null for an item the filter drops.
    /// </summary>
    public static async Task<ResultPage<TOut>> FillAsync<TIn, TOut>(
        string? continuation, int pageSize, bool filtered, Func<string?, Task<ResultPage<TIn>>> read, Func<TIn, Task<TOut?>> keep, int maxLookedAt = 2000)
        where TOut : class
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(keep);
        List<TOut> kept = [];
        int looked = 0;
        do
        {
            ResultPage<TIn> page = await read(continuation);
            foreach (TIn item in page.Items)
            {
                if (await keep(item) is { } k)
                {
                    kept.Add(k);
                }
            }

            looked += page.Items.Count;
            continuation = page.Continuation;
        }
        while (filtered && kept.Count < pageSize && continuation is not null && looked < maxLookedAt);

        return new ResultPage<TOut>(kept, continuation);
    }
}

/// <summary>The seller's list views, tag edits and erasure.</summary>
public sealed partial class CustomerRepository
{
    internal const string ErasedRow = "erased";
    internal const string TombstonePartition = "tombstone";

    /// <summary>Orders, newest pages first as the table returns them, filtered on the server where Table Storage can.</summary>
    public async Task<ResultPage<OrderRecord>> ListOrdersAsync(OrderFilter filter, string? continuation, int pageSize, CancellationToken cancellationToken)
    {
        await this.EnsureTablesAsync(cancellationToken);
        List<string> clauses = [TableClient.CreateQueryFilter($"RowKey eq {OrderRow}")];
        if (!string.IsNullOrWhiteSpace(filter.Sku))
        {
            clauses.Add(TableClient.CreateQueryFilter($"Sku eq {filter.Sku.Trim()}"));
        }

        if (!string.IsNullOrWhiteSpace(filter.Status))
        {
            clauses.Add(TableClient.CreateQueryFilter($"Status eq {filter.Status.Trim()}"));
        }

        if (filter.From is { } from)
        {
            clauses.Add(TableClient.CreateQueryFilter($"PaidAt ge {from.UtcDateTime}"));
        }

        if (filter.To is { } to)
        {
            clauses.Add(TableClient.CreateQueryFilter($"PaidAt le {to.UtcDateTime}"));
        }

        await foreach (Page<TableEntity> page in this.orders.QueryAsync<TableEntity>(string.Join(" and ", clauses), pageSize, cancellationToken: cancellationToken)
            .AsPages(continuation, pageSize))
        {
            return new ResultPage<OrderRecord>([.. page.Values.Select(ToOrder).OfType<OrderRecord>()], page.ContinuationToken);
        }

        return new ResultPage<OrderRecord>([], null);
    }

    /// <summary>Customers whose tags match every given filter (product → "product:{sku}", channel → "channel:{x}", status → "status:{s}" or a plain tag).</summary>
    public async Task<ResultPage<CustomerRecord>> ListCustomersAsync(CustomerFilter filter, string? continuation, int pageSize, CancellationToken cancellationToken)
    {
        await this.EnsureTablesAsync(cancellationToken);
        List<string> wanted = [];
        if (!string.IsNullOrWhiteSpace(filter.Tag))
        {
            wanted.Add(filter.Tag.Trim());
        }

        if (!string.IsNullOrWhiteSpace(filter.Sku))
        {
            wanted.Add($"product:{filter.Sku.Trim()}");
        }

        if (!string.IsNullOrWhiteSpace(filter.Channel))
        {
            wanted.Add($"channel:{filter.Channel.Trim()}");
        }

        if (!string.IsNullOrWhiteSpace(filter.Status))
        {
            wanted.Add(filter.Status.Trim());
        }

        // Tags live in one string per row, which Table Storage cannot search inside: filtered here.
        return await ResultPages.FillAsync(continuation, pageSize, wanted.Count > 0,
            next => this.ReadCustomersAsync(next, pageSize, cancellationToken),
            c => Task.FromResult(wanted.All(w => c.Tags.Contains(w, StringComparer.OrdinalIgnoreCase)) ? c : null));
    }

    private async Task<ResultPage<CustomerRecord>> ReadCustomersAsync(string? continuation, int pageSize, CancellationToken cancellationToken)
    {
        string query = TableClient.CreateQueryFilter($"PartitionKey eq {CustomerPartition}");
        await foreach (Page<TableEntity> page in this.customers.QueryAsync<TableEntity>(query, pageSize, cancellationToken: cancellationToken)
            .AsPages(continuation, pageSize))
        {
            return new ResultPage<CustomerRecord>([.. page.Values.Select(ToCustomer)], page.ContinuationToken);
        }

        return new ResultPage<CustomerRecord>([], null);
    }

    /// <summary>Adds and removes tags on a buyer (and on each of their orders, so order views agree).</summary>
    public async Task<CustomerRecord?> EditCustomerTagsAsync(string email, IReadOnlyCollection<string> add, IReadOnlyCollection<string> remove, CancellationToken cancellationToken)
    {
        string row = CustomerRowFor(email);
        TableEntity? written = await this.MutateAsync(this.customers, CustomerPartition, row, createIfMissing: false, entity =>
        {
            List<string> tags = SplitTags(entity.GetString("Tags"));
            List<string> after = [.. tags.Where(t => !remove.Contains(t, StringComparer.OrdinalIgnoreCase))];
            after.AddRange(add.Where(t => !string.IsNullOrWhiteSpace(t) && !after.Contains(t.Trim(), StringComparer.OrdinalIgnoreCase)).Select(t => t.Trim()));
            if (after.SequenceEqual(tags, StringComparer.Ordinal))
            {
                return false;
            }

            entity["Tags"] = string.Join(',', after);
            return true;
        }, cancellationToken);
        return written is null ? null : ToCustomer(written);
    }

    /// <summary>
    /// Erases a buyer: their customer row and every row of their orders go. Each order keeps only an "erased"
    /// marker (no personal data) so a redelivered payment event does not recreate them, and a hashed tombstone
    /// records that the erasure happened. Returns the journey ids to stop.
    /// </summary>
    public async Task<IReadOnlyList<string>> EraseCustomerAsync(string email, CancellationToken cancellationToken)
    {
        await this.EnsureTablesAsync(cancellationToken);
        TableEntity? customer = await this.GetAsync(this.customers, CustomerPartition, CustomerRowFor(email), cancellationToken);
        if (customer is null)
        {
            return [];
        }

        List<string> instanceIds = ReadIds(customer.GetString("OrderIds"));
        foreach (string instanceId in instanceIds)
        {
            string partition = PartitionFor(instanceId);
            string filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
            await foreach (TableEntity row in this.orders.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                if (row.RowKey != ClaimRow)
                {
                    await this.orders.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
                }
            }

            await this.orders.UpsertEntityAsync(new TableEntity(partition, ErasedRow) { ["ErasedAt"] = time.GetUtcNow() }, TableUpdateMode.Replace, cancellationToken);
        }

        await this.ErasePaymentSourcesAsync(email, instanceIds, cancellationToken);
        await this.customers.UpsertEntityAsync(new TableEntity(TombstonePartition, HashEmail(email))
        {
            ["ErasedAt"] = time.GetUtcNow(),
            ["OrderCount"] = instanceIds.Count,
        }, TableUpdateMode.Replace, cancellationToken);
        await this.customers.DeleteEntityAsync(CustomerPartition, CustomerRowFor(email), ETag.All, cancellationToken);
        return instanceIds;
    }

    /// <summary>The seller's expected-order records for this buyer and the stored receipt mails of their orders hold their details too.</summary>
    private async Task ErasePaymentSourcesAsync(string email, IReadOnlyList<string> instanceIds, CancellationToken cancellationToken)
    {
        await this.EnsureSourcesAsync(cancellationToken);
        List<string> partitions = [];
        await foreach (TableEntity row in this.sources.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"BuyerEmail eq {email.Trim()}"), select: ["PartitionKey"], cancellationToken: cancellationToken))
        {
            partitions.Add(row.PartitionKey);
        }

        foreach (string instanceId in instanceIds)
        {
            await foreach (TableEntity row in this.sources.QueryAsync<TableEntity>(
                TableClient.CreateQueryFilter($"InstanceId eq {instanceId} and RowKey eq {"mail"}"), select: ["PartitionKey"], cancellationToken: cancellationToken))
            {
                partitions.Add(row.PartitionKey);
            }
        }

        foreach (string partition in partitions.Distinct(StringComparer.Ordinal))
        {
            await foreach (TableEntity row in this.sources.QueryAsync<TableEntity>(
                TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                await this.sources.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
            }
        }
    }

    /// <summary>True when the order was erased at the buyer's request: nothing may recreate it.</summary>
    public async Task<bool> IsErasedAsync(string instanceId, CancellationToken cancellationToken) =>
        await this.GetAsync(this.orders, PartitionFor(instanceId), ErasedRow, cancellationToken) is not null;

    /// <summary>True when a buyer with this e-mail was erased (only the hash is kept).</summary>
    public async Task<bool> WasErasedAsync(string email, CancellationToken cancellationToken) =>
        await this.GetAsync(this.customers, TombstonePartition, HashEmail(email), cancellationToken) is not null;

    /// <summary>Deletes a step marker so an explicit re-run can send that step again.</summary>
    public async Task ForgetStepsAsync(string instanceId, CancellationToken cancellationToken)
    {
        await this.EnsureTablesAsync(cancellationToken);
        string partition = PartitionFor(instanceId);
        string filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {StepRowPrefix} and RowKey lt {StepRowPrefix + "\uffff"}");
        await foreach (TableEntity row in this.orders.QueryAsync<TableEntity>(filter, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
        {
            await this.orders.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
        }
    }

    private static string HashEmail(string email) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(email.Trim().ToLowerInvariant())));

    private static CustomerRecord ToCustomer(TableEntity row) => new(
        row.GetString("Email") ?? TableKeys.Decode(row.RowKey),
        row.GetString("Name"),
        row.GetString("Locale"),
        SplitTags(row.GetString("Tags")),
        row.GetDateTimeOffset("FirstOrderAt"),
        row.GetDateTimeOffset("LastOrderAt"),
        row.GetInt32("OrderCount") ?? 0);
}
