using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using PostPurchase.Infrastructure;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.Hosts;

namespace PostPurchase.Tests.Infrastructure;

/// <summary>The metrics an operator watches move when the product does the thing they count, tagged without personal data.</summary>
public sealed class TelemetryTests(AzuriteFixture azurite) : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentBag<(string Name, long Value, Dictionary<string, string?> Tags)> measurements = [];

    [Fact]
    public async Task Rejections_journeys_and_mails_are_counted_with_safe_tags()
    {
        this.Listen();
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, backend: "Memory", dayLengthSeconds: 60);
        byte[] sample = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "samples", "stripe-checkout.session.completed-krw.json"), TestContext.Current.CancellationToken);

        using HttpResponseMessage forged = await host.PostStripeAsync(sample, secret: "whsec_forger");
        using HttpResponseMessage paid = await host.PostStripeAsync(sample);
        await host.WaitForMailAsync("stripe-pi_3R2kAaExampleKRW0001", "welcome");

        Assert.Contains(this.measurements, m => m.Name == "postpurchase.webhooks.rejected" && m.Tags["provider"] == "stripe" && m.Tags["reason"] == "bad signature");
        Assert.Contains(this.measurements, m => m.Name == "postpurchase.journeys.started" && m.Tags["provider"] == "stripe");
        Assert.Contains(this.measurements, m => m.Name == "postpurchase.mails.sent" && m.Tags["kind"] == "Welcome");
        Assert.DoesNotContain(this.measurements, m => m.Tags.Values.Any(v => v is not null && (v.Contains('@', StringComparison.Ordinal) || v.Contains("김민지", StringComparison.Ordinal))));
    }

    public void Dispose() => this.listener.Dispose();

    private void Listen()
    {
        this.listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Telemetry.Name)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        this.listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            this.measurements.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString()))));
        this.listener.Start();
    }
}
