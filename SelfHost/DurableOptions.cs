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

    /// <summary>
    /// AzureStorage: how long a dequeued message stays hidden. When the process dies mid-step, the step runs again
    /// only after this (5 minutes, the engine's default). It must stay longer than any step takes (the in-process
    /// engine does not renew it), so shorten it only where steps are quick, as the crash tests do.
    /// </summary>
    public TimeSpan MessageVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
