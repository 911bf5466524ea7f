using System.Text;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PostPurchase.Infrastructure;

Encoding.RegisterProvider(CodePagesEncodingProvider.Instance); // ks_c_5601-1987 / EUC-KR receipts

FunctionsApplicationBuilder builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

IOpenTelemetryBuilder otel = builder.Services.AddOpenTelemetry()
    .UseFunctionsWorkerDefaults()
    .WithTracing(tracing => tracing.AddSource("Microsoft.DurableTask", Telemetry.Name))
    .WithMetrics(metrics => metrics.AddMeter(Telemetry.Name));
if (!string.IsNullOrEmpty(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
{
    // Application Insights takes only Entra-authenticated telemetry (local auth is off): the app's managed identity signs it.
    otel.UseAzureMonitorExporter(o => o.Credential = new DefaultAzureCredential());
}

builder.Services.AddPostPurchase(builder.Configuration);
builder.Build().Run();
