using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PostPurchase.Infrastructure;

namespace PostPurchase.SelfHost;

public static class TelemetrySetup
{
    /// <summary>
    /// The product's metrics and the Durable traces: to Application Insights when a connection string is set,
    /// to the console when Telemetry:Console is true (the default in Development).
    /// </summary>
    public static WebApplicationBuilder AddPostPurchaseTelemetry(this WebApplicationBuilder builder)
    {
        bool console = builder.Configuration.GetValue("Telemetry:Console", builder.Environment.IsDevelopment());
        bool azure = !string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]);
        if (!console && !azure)
        {
            return builder;
        }

        IOpenTelemetryBuilder otel = builder.Services.AddOpenTelemetry()
            .WithTracing(tracing =>
            {
                tracing.AddSource("Microsoft.DurableTask", Telemetry.Name);
                if (console)
                {
                    tracing.AddConsoleExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(Telemetry.Name);
                if (console)
                {
                    metrics.AddConsoleExporter();
                }
            });
        if (azure)
        {
            otel.UseAzureMonitorExporter(o => o.Credential = new Azure.Identity.DefaultAzureCredential());
        }

        return builder;
    }
}
