using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;

namespace PostPurchase.Bench;

/// <summary>A local stand-in for api.sendgrid.com: checks the key, answers 202, and records when each mail (by idempotency key) arrived.</summary>
internal sealed class FakeSendGrid : IAsyncDisposable
{
    public const string ApiKey = "SG.bench-key";
    private WebApplication app = null!;

    /// <summary>Idempotency key → arrival timestamps (Stopwatch ticks) of every accepted copy.</summary>
    public ConcurrentDictionary<string, ConcurrentQueue<long>> Arrivals { get; } = new();

    public string BaseUrl { get; private set; } = "";

    public static async Task<FakeSendGrid> StartAsync()
    {
        FakeSendGrid fake = new();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        fake.app = builder.Build();
        fake.app.MapPost("/v3/mail/send", async (HttpContext context) =>
        {
            long at = Stopwatch.GetTimestamp();
            if (context.Request.Headers.Authorization.ToString() != $"Bearer {ApiKey}")
            {
                return Results.StatusCode(401);
            }

            using JsonDocument json = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            string key = json.RootElement.GetProperty("custom_args").GetProperty("idempotencyKey").GetString() ?? "";
            fake.Arrivals.GetOrAdd(key, _ => new ConcurrentQueue<long>()).Enqueue(at);
            return Results.StatusCode(202);
        });
        await fake.app.StartAsync();
        fake.BaseUrl = fake.app.Urls.First();
        return fake;
    }

    public int Count(string key) => this.Arrivals.TryGetValue(key, out ConcurrentQueue<long>? q) ? q.Count : 0;

    public long? First(string key) => this.Arrivals.TryGetValue(key, out ConcurrentQueue<long>? q) && q.TryPeek(out long at) ? at : null;

    public async ValueTask DisposeAsync()
    {
        await this.app.StopAsync();
        await this.app.DisposeAsync();
    }
}
