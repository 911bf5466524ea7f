using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PostPurchase.Tests.TestDoubles;

/// <summary>A request as a provider's server received it: method, path+query, headers and the exact body bytes.</summary>
public sealed record RecordedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(this.Body);
}

/// <summary>
/// A real Kestrel server on 127.0.0.1 standing in for a provider's API (SendGrid, Slack, Stripe…).
/// The handler sees each request after it is recorded and decides the answer, so a fake can check
/// the request the way the provider would and answer with the provider's status codes.
/// </summary>
public sealed class LocalHttpServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private LocalHttpServer(WebApplication app) => this.app = app;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public string BaseUrl { get; private set; } = "";

    public static async Task<LocalHttpServer> StartAsync(Func<RecordedRequest, HttpContext, Task> handler)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        LocalHttpServer server = new(app);
        app.Run(async context =>
        {
            using MemoryStream body = new();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            RecordedRequest request = new(
                context.Request.Method,
                context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body.ToArray());
            server.Requests.Enqueue(request);
            await handler(request, context);
        });
        await app.StartAsync();
        server.BaseUrl = app.Urls.First();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await this.app.StopAsync();
        await this.app.DisposeAsync();
    }
}
