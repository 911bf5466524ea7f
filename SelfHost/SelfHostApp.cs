using Microsoft.DurableTask;
using Microsoft.Extensions.Configuration.Memory;
using PostPurchase.Infrastructure;
using PostPurchase.SelfHost.Demo;

namespace PostPurchase.SelfHost;

/// <summary>Builds the self-hosted app; the end-to-end tests build the same app on a free port.</summary>
public static class SelfHostApp
{
    /// <param name="tasks">Replaces the journey's registration; only the upgrade test passes one (to run an older orchestrator).</param>
    public static WebApplication Build(string[] args, bool demo = false, IDictionary<string, string?>? overrides = null, Action<DurableTaskRegistry>? tasks = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        if (demo)
        {
            // First in line, so the environment and the command line still override the demo's defaults.
            builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = DemoSettings.Values });
        }

        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        builder.WebHost.UseUrls(builder.Configuration["Urls"] ?? "http://localhost:7071");
        builder.Host.ConfigureHostOptions(o => o.ServicesStopConcurrently = true);   // otherwise shutdown waits 30 s on the gRPC stream
        // The engine and gRPC are chatty at Information; their warnings and errors still show. ASP.NET Core's request
        // lines and request scope would carry admin paths with a buyer's e-mail and a `?code=` key into every log line:
        // the request logger is off (it only ever logs requests) and the rest of ASP.NET Core keeps its warnings.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None).AddFilter("Microsoft.AspNetCore", LogLevel.Warning).AddFilter("Grpc", LogLevel.Warning).AddFilter("Microsoft.DurableTask.Sidecar", LogLevel.Warning).AddFilter("DurableTask", LogLevel.Warning).AddFilter("Azure.Core", LogLevel.Warning);
        builder.Services.AddPostPurchase(builder.Configuration);
        builder.AddPostPurchaseTelemetry();
        builder.Services.AddSelfHostedJourneys(builder.Configuration, tasks);
        if (demo)
        {
            builder.Services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section);
            builder.Services.AddHostedService<DemoRunner>();
        }

        WebApplication app = builder.Build();
        app.MapPostPurchaseRoutes();
        return app;
    }
}
