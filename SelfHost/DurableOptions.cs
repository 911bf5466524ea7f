namespace PostPurchase.SelfHost;

public enum DurableBackend
{
    /// <summary>DurableTask.AzureStorage on Azurite or a real account: journeys survive restarts.</summary>
    AzureStorage,

    /// <summary>In process memory: fast, for tests and demos; journeys die with the process.</summary>
    Memory,
}

public sealed class DurableOptions
{
    public const string Section = "Durable";

    public DurableBackend Backend { get; set; } = DurableBackend.AzureStorage;

    /// <summary>Storage for the task hub when <see cref="Backend"/> is AzureStorage.</summary>
    public string StorageConnection { get; set; } = "UseDevelopmentStorage=true";

    public string TaskHub { get; set; } = "postpurchaselocal";

    /// <summary>Orchestrations and activities worked on at once (the in-memory engine otherwise caps at the core count).</summary>
    public int MaxConcurrentWorkItems { get; set; } = 64;
}
