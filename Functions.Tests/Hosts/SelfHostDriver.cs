using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MimeKit;
using PostPurchase.Http;
using PostPurchase.SelfHost;
using PostPurchase.Tests.Fixtures;

namespace PostPurchase.Tests.Hosts;

/// <summary>
/// The real SelfHost app on a free port, over Kestrel, with the Durable Task engine on Azurite (or in memory),
/// its own task hub and CRM tables, and its mail outbox and Slack sink in a temporary folder.
/// </summary>
public sealed class SelfHostDriver : IAsyncDisposable
{
    public const string StripeSecret = "whsec_research_fixture_0000000000000000";
    public const string AdminKey = "e2e-admin-key";

    /// <summary>The public address links in mails are built on; tests follow a link by sending its path to this host.</summary>
    public const string PublicBaseUrl = "https://buyers.shop.example.com";

    private readonly WebApplication app;
    private readonly string folder;

    private SelfHostDriver(WebApplication app, string folder, HttpClient http)
    {
        this.app = app;
        this.folder = folder;
        this.Http = http;
    }

    public HttpClient Http { get; }

    /// <summary>Where this app writes mail (a test may point two apps at one outbox through the settings).</summary>
    public string OutboxPath { get; private init; } = "";

    public string SlackSinkPath { get; private init; } = "";

    public static async Task<SelfHostDriver> StartAsync(
        AzuriteFixture azurite, string backend = "AzureStorage", double dayLengthSeconds = 0.5, IDictionary<string, string?>? extra = null,
        ILoggerProvider? logs = null, Action<Microsoft.DurableTask.DurableTaskRegistry>? tasks = null)
    {
        string unique = Guid.NewGuid().ToString("N")[..10];
        string folder = Path.Combine(Path.GetTempPath(), $"postpurchase-e2e-{unique}");
        Dictionary<string, string?> settings = new()
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["CrmTables"] = azurite.ConnectionString,
            ["Crm:TablePrefix"] = $"e2e{unique}",
            ["Durable:Backend"] = backend,
            ["Durable:StorageConnection"] = azurite.ConnectionString,
            ["Durable:TaskHub"] = $"e2e{unique}",
            ["Stripe:WebhookSecret"] = StripeSecret,
            ["Links:SigningKey"] = "end-to-end-link-signing-key-0000000000000",
            ["Links:BaseUrl"] = PublicBaseUrl,
            ["SendGrid:FromEmail"] = "hello@shop.example.com",
            ["SendGrid:OutboxPath"] = Path.Combine(folder, "outbox"),
            ["Slack:SinkPath"] = Path.Combine(folder, "slack.jsonl"),
            ["Catalog:Path"] = Path.Combine(AzuriteFixture.FindRepoRoot(), "catalog", "catalog.json"),
            ["Admin:ApiKey"] = AdminKey,
            ["Journey:DayLength"] = TimeSpan.FromSeconds(dayLengthSeconds).ToString(),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach ((string key, string? value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        WebApplication app = SelfHostApp.Build([], overrides: settings, tasks: tasks);
        if (logs is not null)
        {
            // Added to the built factory, so the test sees every log line the app writes (the reliability suite checks them for personal data).
            app.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        }

        await app.StartAsync(TestContext.Current.CancellationToken);
        string baseUrl = app.Urls.First();
        HttpClient http = new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };
        http.DefaultRequestHeaders.Add("x-admin-key", AdminKey);
        return new SelfHostDriver(app, folder, http)
        {
            TablePrefix = settings["Crm:TablePrefix"]!,
            OutboxPath = settings["SendGrid:OutboxPath"]!,
            SlackSinkPath = settings["Slack:SinkPath"]!,
        };
    }

    /// <summary>The prefix of this host's CRM tables, so a test can read what was (or was not) written.</summary>
    public string TablePrefix { get; private init; } = "";

    /// <summary>The running app's services (route table, options), for tests that enumerate doors.</summary>
    public IServiceProvider Services => this.app.Services;

    /// <summary>Signs the bytes the way Stripe does (HMAC-SHA256 over "{t}.{body}") with a current timestamp, and posts them.</summary>
    public Task<HttpResponseMessage> PostStripeAsync(byte[] body, string secret = StripeSecret, long? timestamp = null)
    {
        long t = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return this.PostStripeAsync(body, SignStripe(body, secret, t));
    }

    public async Task<HttpResponseMessage> PostStripeAsync(byte[] body, string? signatureHeader)
    {
        using ByteArrayContent content = new(body);
        content.Headers.ContentType = new("application/json");
        using HttpRequestMessage request = new(HttpMethod.Post, "/api/webhooks/stripe") { Content = content };
        if (signatureHeader is not null)
        {
            request.Headers.Add("Stripe-Signature", signatureHeader);
        }

        return await this.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public static string SignStripe(byte[] body, string secret, long t)
    {
        byte[] signed = [.. Encoding.UTF8.GetBytes($"{t}."), .. body];
        byte[] mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    public async Task<OrderView?> GetOrderAsync(string id)
    {
        using HttpResponseMessage response = await this.Http.GetAsync($"/api/orders/{id}", TestContext.Current.CancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        Assert.True(response.IsSuccessStatusCode, $"GET /api/orders/{id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        return await response.Content.ReadFromJsonAsync<OrderView>(TestContext.Current.CancellationToken);
    }

    public async Task<OrderView> WaitForOrderAsync(string id, Func<OrderView, bool> done, int timeoutSeconds = 60)
    {
        DateTime giveUp = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        OrderView? last = null;
        while (DateTime.UtcNow < giveUp)
        {
            last = await this.GetOrderAsync(id);
            if (last is not null && done(last))
            {
                return last;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        // Say where the order got stuck, not just that the wait ran out.
        throw new TimeoutException($"Order {id} did not get there in {timeoutSeconds} s. Last view: {System.Text.Json.JsonSerializer.Serialize(last)}");
    }

    public Task<OrderView> WaitForCompletionAsync(string id) => this.WaitForOrderAsync(id, v => v.RuntimeStatus is "Completed" or "Failed" or "Terminated");

    /// <summary>The mails in the outbox for one journey step ("{instance}:{step}").</summary>
    public IReadOnlyList<MimeMessage> Mails(string instanceId, string step) => !Directory.Exists(this.OutboxPath) ? [] :
        [.. Directory.GetFiles(this.OutboxPath, "*.eml").Select(f => MimeMessage.Load(f)).Where(m => m.Headers["X-PostPurchase-Key"] == $"{instanceId}:{step}")];

    public async Task<MimeMessage> WaitForMailAsync(string instanceId, string step)
    {
        using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                if (this.Mails(instanceId, step) is [MimeMessage mail, ..])
                {
                    return mail;
                }
            }
            catch (IOException)
            {
                // The file is still being written.
            }

            await Task.Delay(100, timeout.Token);
        }
    }

    /// <summary>Follows a link from a mail on this host (links carry the public address, the test host has a local port).</summary>
    public Task<HttpResponseMessage> FollowAsync(string link) =>
        this.Http.GetAsync(new Uri(link).PathAndQuery, TestContext.Current.CancellationToken);

    public string[] SlackLines() => File.Exists(this.SlackSinkPath) ? File.ReadAllLines(this.SlackSinkPath) : [];

    public async ValueTask DisposeAsync()
    {
        this.Http.Dispose();
        await this.app.StopAsync(CancellationToken.None);
        await this.app.DisposeAsync();
        try
        {
            Directory.Delete(this.folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
