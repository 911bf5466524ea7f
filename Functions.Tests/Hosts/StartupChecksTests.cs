using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using PostPurchase.SelfHost;
using PostPurchase.Tests.Fixtures;

namespace PostPurchase.Tests.Hosts;

/// <summary>A setting that would lose paid orders later stops the app at start, naming the setting.</summary>
public sealed class StartupChecksTests
{
    [Theory]
    [InlineData("Catalog:Path", "missing/catalog.json", "Catalog:Path")]
    [InlineData("CrmTables", "", "CrmTables is required")]
    [InlineData("Journey:DayLength", "00:00:00", "Journey:DayLength must be positive")]
    [InlineData("Journey:ReminderAfterDays", "2", "ReviewAfterDays < ReminderAfterDays < CloseAfterDays")]
    public async Task A_setting_that_would_lose_orders_stops_start_up_with_its_name(string key, string value, string message)
    {
        Dictionary<string, string?> settings = new()
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["CrmTables"] = "UseDevelopmentStorage=true",
            ["Durable:Backend"] = "Memory",
            ["Stripe:WebhookSecret"] = "whsec_startup",
            ["Links:SigningKey"] = "startup-checks-link-signing-key-000000000",
            ["SendGrid:FromEmail"] = "hello@shop.example.com",
            ["Catalog:Path"] = Path.Combine(AzuriteFixture.FindRepoRoot(), "catalog", "catalog.json"),
            ["Logging:LogLevel:Default"] = "None",
            [key] = value,
        };
        Exception failure = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using WebApplication app = SelfHostApp.Build([], overrides: settings);
            await app.StartAsync(TestContext.Current.CancellationToken);
        });

        Assert.Contains(message, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_catalog_with_a_typo_stops_start_up_with_the_json_error()
    {
        string folder = Directory.CreateTempSubdirectory("catalog-typo").FullName;
        string path = Path.Combine(folder, "catalog.json");
        await File.WriteAllTextAsync(path, """{ "seller": { "name": "x", "contactEmail": "a@example.com" }, "products": [ { "sku": "a", """, TestContext.Current.CancellationToken);
        await using WebApplication app = SelfHostApp.Build([], overrides: new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["CrmTables"] = "UseDevelopmentStorage=true",
            ["Durable:Backend"] = "Memory",
            ["Stripe:WebhookSecret"] = "whsec_startup",
            ["Links:SigningKey"] = "startup-checks-link-signing-key-000000000",
            ["SendGrid:FromEmail"] = "hello@shop.example.com",
            ["Catalog:Path"] = path,
            ["Logging:LogLevel:Default"] = "None",
        });

        OptionsValidationException failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("not valid JSON", failure.Message, StringComparison.Ordinal);
    }
}
