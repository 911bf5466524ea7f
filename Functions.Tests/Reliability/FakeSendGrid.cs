using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PostPurchase.Tests.TestDoubles;

namespace PostPurchase.Tests.Reliability;

/// <summary>One request as the fake SendGrid saw it: the mail's idempotency key (custom arg), when, and what it answered.</summary>
public sealed record SendGridCall(string Key, string Kind, DateTimeOffset At, int Status);

/// <summary>
/// A stand-in for api.sendgrid.com at the HTTP boundary: checks the request as SendGrid would (POST /v3/mail/send,
/// the bearer key, a JSON body with a recipient), then answers what the test scripts for that mail's n-th attempt.
/// Only a 202 is a mail SendGrid accepted, so <see cref="Accepted"/> is what buyers would receive.
/// </summary>
public sealed class FakeSendGrid : IAsyncDisposable
{
    public const string ApiKey = "SG.reliability-key";

    private readonly ConcurrentDictionary<string, int> attempts = new();
    private readonly ConcurrentDictionary<string, int> inFlight = new();
    private LocalHttpServer server = null!;

    private FakeSendGrid()
    {
    }

    /// <summary>(idempotency key, 1-based attempt for that key) → status and extra response headers.</summary>
    public Func<string, int, Task<(int Status, IReadOnlyDictionary<string, string>? Headers)>> Answer { get; set; } =
        (_, _) => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((202, null));

    public ConcurrentQueue<SendGridCall> Calls { get; } = new();

    public string BaseUrl => this.server.BaseUrl;

    public IReadOnlyList<SendGridCall> Accepted => [.. this.Calls.Where(c => c.Status == 202)];

    /// <summary>Settings that point the app's SendGrid client here.</summary>
    public Dictionary<string, string?> Settings => new()
    {
        ["SendGrid:ApiKey"] = ApiKey,
        ["SendGrid:Host"] = this.BaseUrl,
    };

    public static async Task<FakeSendGrid> StartAsync()
    {
        FakeSendGrid fake = new();
        fake.server = await LocalHttpServer.StartAsync(fake.HandleAsync);
        return fake;
    }

    /// <summary>Requests for this mail that arrived and have not been answered yet.</summary>
    public int InFlight(string key) => this.inFlight.GetValueOrDefault(key);

    public int AcceptedCount(string key) => this.Calls.Count(c => c.Status == 202 && c.Key == key);

    public async Task WaitForAcceptedAsync(string key, int timeoutSeconds = 60)
    {
        using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        while (this.AcceptedCount(key) == 0)
        {
            await Task.Delay(50, timeout.Token);
        }
    }

    public ValueTask DisposeAsync() => this.server.DisposeAsync();

    private async Task HandleAsync(RecordedRequest request, HttpContext context)
    {
        if (request.Method != "POST" || request.PathAndQuery != "/v3/mail/send")
        {
            context.Response.StatusCode = 404;
            return;
        }

        if (!request.Headers.TryGetValue("Authorization", out string? auth) || auth != $"Bearer {ApiKey}")
        {
            context.Response.StatusCode = 401;
            await context.Response.WriteAsync("""{"errors":[{"message":"The provided authorization grant is invalid, expired, or revoked"}]}""");
            return;
        }

        string key;
        string kind;
        try
        {
            using JsonDocument json = JsonDocument.Parse(request.Body);
            JsonElement args = json.RootElement.GetProperty("custom_args");
            key = args.GetProperty("idempotencyKey").GetString() ?? "";
            kind = args.GetProperty("kind").GetString() ?? "";
            _ = json.RootElement.GetProperty("personalizations")[0].GetProperty("to")[0].GetProperty("email").GetString();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsync("""{"errors":[{"message":"Bad Request","field":null}]}""");
            return;
        }

        int attempt = this.attempts.AddOrUpdate(key, 1, (_, n) => n + 1);
        this.inFlight.AddOrUpdate(key, 1, (_, n) => n + 1);
        (int status, IReadOnlyDictionary<string, string>? headers) = await this.Answer(key, attempt);
        this.inFlight.AddOrUpdate(key, 0, (_, n) => n - 1);
        this.Calls.Enqueue(new SendGridCall(key, kind, DateTimeOffset.UtcNow, status));
        context.Response.StatusCode = status;
        foreach ((string name, string value) in headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        if (status == 202)
        {
            context.Response.Headers["X-Message-Id"] = Guid.NewGuid().ToString("N");
        }
        else if (status >= 400)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(status == 429
                ? """{"errors":[{"field":null,"message":"too many requests"}]}"""
                : """{"errors":[{"field":"personalizations.0.to.0.email","message":"Does not contain a valid address."}]}""");
        }
    }
}
