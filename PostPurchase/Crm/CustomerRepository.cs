using Azure.Data.Tables;
using PostPurchase.Journey;

namespace PostPurchase.Crm;

/// <summary>
/// The seller's CRM on Table Storage. Orders table: one partition per journey instance holding the order
/// row, the step markers (timeline) and the engagement rows. Customers table: one row per buyer e-mail.
/// </summary>
public sealed class CustomerRepository(TableServiceClient tables, TimeProvider time)
{
    public Task EnsureTablesAsync(CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Insert-only claim of an instance id by the door that received the payment; false when already claimed.</summary>
    public Task<bool> TryClaimAsync(string instanceId, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<DateTimeOffset?> GetClaimTimeAsync(string instanceId, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task ReleaseClaimAsync(string instanceId, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Creates or replaces the order row and merges the buyer into the Customers table (tags unioned).</summary>
    public Task UpsertOrderAsync(OrderRecord order, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<OrderRecord?> GetOrderAsync(string instanceId, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task SetStatusAsync(string instanceId, string status, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task AddTagsAsync(string instanceId, IEnumerable<string> tags, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <summary>Records the first access-link open; true only the first time.</summary>
    public Task<bool> RecordContentOpenAsync(string instanceId, DateTimeOffset openedAt, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<bool> HasOpenedContentAsync(string instanceId, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task RecordSurveyReplyAsync(string instanceId, SurveyReply reply, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<bool> IsStepDoneAsync(string instanceId, string step, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task MarkStepAsync(string instanceId, string step, string outcome, string? detail, CancellationToken cancellationToken) => throw new NotImplementedException();

    public Task<IReadOnlyList<TimelineEntry>> GetTimelineAsync(string instanceId, CancellationToken cancellationToken) => throw new NotImplementedException();
}
