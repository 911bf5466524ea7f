using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PostPurchase.Infrastructure;
using PostPurchase.Tests.Fixtures;

namespace PostPurchase.Tests.Webhooks;

/// <summary>
/// The real composition root (AddPostPurchase) with CRM tables of its own on Azurite and Slack alerts going to a
/// temporary JSON Lines file, for handler tests that need the CRM and the seller's Slack.
/// </summary>
public sealed class SourceServices : IAsyncDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "sources-" + Guid.NewGuid().ToString("N")[..10]);

    private SourceServices(AzuriteFixture azurite, IDictionary<string, string?> extra)
    {
        Dictionary<string, string?> settings = new()
        {
            ["CrmTables"] = azurite.ConnectionString,
            ["Crm:TablePrefix"] = "src" + Guid.NewGuid().ToString("N")[..10],
            ["Stripe:WebhookSecret"] = "whsec_sources_fixture",
            ["Links:SigningKey"] = "sources-link-signing-key-000000000000000000",
            ["SendGrid:FromEmail"] = "hello@shop.example.com",
            ["SendGrid:OutboxPath"] = Path.Combine(this.folder, "outbox"),
            ["Slack:SinkPath"] = this.SlackSinkPath,
            ["Catalog:Path"] = Path.Combine(AzuriteFixture.FindRepoRoot(), "catalog", "catalog.json"),
        };
        foreach ((string key, string? value) in extra)
        {
            settings[key] = value;
        }

        IConfiguration configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        ServiceCollection services = new();
        services.AddLogging();
        services.AddSingleton(configuration);
        services.AddPostPurchase(configuration);
        this.Provider = services.BuildServiceProvider();
    }

    public ServiceProvider Provider { get; }

    public string SlackSinkPath => Path.Combine(this.folder, "slack.jsonl");

    public static SourceServices Create(AzuriteFixture azurite, IDictionary<string, string?>? extra = null) =>
        new(azurite, extra ?? new Dictionary<string, string?>());

    public T Get<T>()
        where T : notnull => this.Provider.GetRequiredService<T>();

    public string[] SlackLines() => File.Exists(this.SlackSinkPath) ? File.ReadAllLines(this.SlackSinkPath) : [];

    public async ValueTask DisposeAsync()
    {
        await this.Provider.DisposeAsync();
        if (Directory.Exists(this.folder))
        {
            Directory.Delete(this.folder, recursive: true);
        }
    }
}
