using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Options;
using PostPurchase.SelfHost;

namespace PostPurchase.Bench;

/// <summary>
/// The backend's own ceiling: bare orchestrations (one no-op activity each) through the same in-process engine SelfHost
/// uses (DurableSidecar over the same backend and settings), started with the same concurrency as the journeys.
/// </summary>
internal static class BareCeiling
{
    private static readonly ConcurrentDictionary<string, long> Done = new();

    public static async Task<(double Seconds, int Completed)> RunAsync(string backend, int count, int inFlight, string taskHub, int maxConcurrent)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Durable:Backend"] = backend,
            ["Durable:StorageConnection"] = LoadRun.Storage,
            ["Durable:TaskHub"] = taskHub,
            ["Durable:MaxConcurrentWorkItems"] = maxConcurrent.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Services.Configure<HostOptions>(o => o.ServicesStopConcurrently = true);
        builder.Services.AddOptions<DurableOptions>().Bind(builder.Configuration.GetSection(DurableOptions.Section));
        builder.Services.AddSingleton<DurableSidecar>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DurableSidecar>());
        builder.Services.AddDurableTaskWorker(worker =>
        {
            worker.AddTasks(tasks =>
            {
                tasks.AddOrchestratorFunc<string, string>("Bare", (context, input) => context.CallActivityAsync<string>("Noop", input));
                tasks.AddActivityFunc<string, string>("Noop", (_, input) =>
                {
                    Done.TryAdd(input, Stopwatch.GetTimestamp());
                    return input;
                });
            });
            worker.UseGrpc();
        });
        builder.Services.AddOptions<Microsoft.DurableTask.Worker.Grpc.GrpcDurableTaskWorkerOptions>(Options.DefaultName)
            .Configure<DurableSidecar>((o, sidecar) => o.Channel = sidecar.WorkerChannel);
        builder.Services.AddDurableTaskClient(client =>
        {
            client.UseGrpc();
            client.RegisterDirectly();
        });
        builder.Services.AddOptions<Microsoft.DurableTask.Client.Grpc.GrpcDurableTaskClientOptions>(Options.DefaultName)
            .Configure<DurableSidecar>((o, sidecar) => o.Channel = sidecar.ClientChannel);

        using IHost host = builder.Build();
        await host.StartAsync();
        DurableTaskClient client = host.Services.GetRequiredService<DurableTaskClient>();

        // Warm up (JIT, connections, task hub queues), then the measured batch.
        await ScheduleAsync(client, $"warm{taskHub}", 20, inFlight);
        await WaitAsync($"warm{taskHub}", 20, TimeSpan.FromSeconds(120));
        long start = Stopwatch.GetTimestamp();
        await ScheduleAsync(client, taskHub, count, inFlight);
        int completed = await WaitAsync(taskHub, count, TimeSpan.FromSeconds(300));
        long last = Done.Where(p => p.Key.StartsWith(taskHub + "-", StringComparison.Ordinal)).Select(p => p.Value).DefaultIfEmpty(start).Max();
        await host.StopAsync();
        return (Stopwatch.GetElapsedTime(start, last).TotalSeconds, completed);
    }

    private static async Task ScheduleAsync(DurableTaskClient client, string prefix, int count, int inFlight)
    {
        int next = -1;
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < count)
            {
                string id = $"{prefix}-{n:D6}";
                await client.ScheduleNewOrchestrationInstanceAsync("Bare", id, new StartOrchestrationOptions(id));
            }
        }));
    }

    private static async Task<int> WaitAsync(string prefix, int count, TimeSpan timeout)
    {
        DateTime giveUp = DateTime.UtcNow + timeout;
        int done;
        while ((done = Done.Keys.Count(k => k.StartsWith(prefix + "-", StringComparison.Ordinal))) < count && DateTime.UtcNow < giveUp)
        {
            await Task.Delay(20);
        }

        return done;
    }
}
