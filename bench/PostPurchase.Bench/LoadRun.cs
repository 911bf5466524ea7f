using System.Diagnostics;
using System.Globalization;

namespace PostPurchase.Bench;

/// <summary>The load benchmarks: webhook ingest against raw Kestrel, the launch burst on both backends beside the bare ceiling, and 10,000 sleepers.</summary>
internal static class LoadRun
{
    private const int InFlight = 32;

    /// <summary>bench/run.sh starts a private Azurite and passes its connection string.</summary>
    public static string Storage => Environment.GetEnvironmentVariable("BENCH_STORAGE") ?? "UseDevelopmentStorage=true";

    public static async Task<int> RunAsync(string[] args)
    {
        string repoRoot = FindRepoRoot();
        HashSet<string> only = [.. Arg(args, "--only", "ingest,burst,sleepers").Split(',')];
        int sleepers = int.Parse(Arg(args, "--sleepers", "10000"), CultureInfo.InvariantCulture);
        int burst = int.Parse(Arg(args, "--burst", "1000"), CultureInfo.InvariantCulture);
        double sleeperDay = double.Parse(Arg(args, "--sleeper-day-seconds", "200"), CultureInfo.InvariantCulture);
        Payments payments = new(repoRoot);
        string run = DateTime.UtcNow.ToString("HHmmss", CultureInfo.InvariantCulture);

        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");
        await using FakeSendGrid sendGrid = await FakeSendGrid.StartAsync();
        if (only.Contains("ingest"))
        {
            await IngestAsync(repoRoot, payments, sendGrid, run);
        }

        if (only.Contains("burst"))
        {
            // Before the fix: the stock in-memory engine's cap (one work item per core), for comparison.
            // Fewer payments: at two work items at a time a thousand take many minutes.
            await BurstAsync(repoRoot, payments, sendGrid, run, "Memory", Math.Min(burst, 200), maxConcurrent: Environment.ProcessorCount);
            foreach (string backend in new[] { "Memory", "AzureStorage" })
            {
                await BurstAsync(repoRoot, payments, sendGrid, run, backend, burst);
            }
        }

        if (only.Contains("sleepers"))
        {
            await SleepersAsync(repoRoot, payments, sendGrid, run, sleepers, sleeperDay);
        }

        Console.WriteLine();
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores; load client, hosts, fake SendGrid and Azurite all on this machine.");
        Console.WriteLine(Report.Table());
        return 0;
    }

    /// <summary>1. POST /api/webhooks/stripe (verify, claim, schedule) against raw Kestrel: same client, same in-flight count, same window.</summary>
    private static async Task IngestAsync(string repoRoot, Payments payments, FakeSendGrid sendGrid, string run)
    {
        TimeSpan warm = TimeSpan.FromSeconds(3);
        TimeSpan window = TimeSpan.FromSeconds(10);
        double raw;
        await using (SelfHostChild rawHost = await SelfHostChild.StartRawAsync())
        {
            using LoadClient client = new(rawHost.BaseAddress, InFlight);
            (int completed, int failed, double seconds, Stats latency) = await client.RunForAsync(n => Pair(payments.Next($"raw{run}", n)), InFlight, warm, window);
            raw = completed / seconds;
            Report.Add("1. raw Kestrel POST → 200", $"{InFlight} in flight, {window.TotalSeconds:0} s after {warm.TotalSeconds:0} s warm-up", $"{Report.N(raw)} req/s ({failed} failed)",
                Report.Ms(latency.Median), Report.Ms(latency.P(99)), Report.Ms(latency.Max), "reference", "");
        }

        foreach (string backend in new[] { "Memory", "AzureStorage" })
        {
            await using SelfHostChild host = await SelfHostChild.StartSelfHostAsync(repoRoot, Settings(sendGrid, backend, $"ing{backend[..3].ToLowerInvariant()}{run}", dayLengthSeconds: 86400));
            using LoadClient client = new(host.BaseAddress, InFlight);
            (int completed, int failed, double seconds, Stats latency) = await client.RunForAsync(n => Pair(payments.Next($"ing{backend[..3]}{run}", n)), InFlight, warm, window);
            double rate = completed / seconds;
            Report.Add($"1. webhook ingest, {backend} backend", $"distinct signed payments, {InFlight} in flight, {window.TotalSeconds:0} s", $"{Report.N(rate)} req/s = {Report.N(100 * rate / raw)}% of raw ({failed} failed)",
                Report.Ms(latency.Median), Report.Ms(latency.P(99)), Report.Ms(latency.Max), "≥ 50% of raw", 100 * rate / raw >= 50 ? "met" : "missed");
        }
    }

    /// <summary>2. 1,000 distinct payments, 32 in flight; send → welcome accepted by SendGrid; beside it the bare ceiling of the same backend.</summary>
    private static async Task BurstAsync(string repoRoot, Payments payments, FakeSendGrid sendGrid, string run, string backend, int count, int maxConcurrent = 64)
    {
        string tag = $"b{backend[..3].ToLowerInvariant()}{maxConcurrent}x{run}";
        Dictionary<string, string> settings = Settings(sendGrid, backend, tag, dayLengthSeconds: 86400);
        settings["Durable:MaxConcurrentWorkItems"] = maxConcurrent.ToString(CultureInfo.InvariantCulture);
        await using SelfHostChild host = await SelfHostChild.StartSelfHostAsync(repoRoot, settings);
        using LoadClient client = new(host.BaseAddress, InFlight);

        // Warm-up: 20 journeys end to end, so JIT, connections and the task hub's queues are ready.
        List<string> warm = await SendAsync(client, payments, $"w{tag}", 20, null);
        await WaitForWelcomesAsync(sendGrid, warm, TimeSpan.FromSeconds(120));

        Dictionary<string, long> sentAt = [];
        long start = Stopwatch.GetTimestamp();
        List<string> ids = await SendAsync(client, payments, tag, count, sentAt);
        long accepted = Stopwatch.GetTimestamp();
        await WaitForWelcomesAsync(sendGrid, ids, TimeSpan.FromSeconds(300));
        await Task.Delay(2000);   // let any duplicate arrive before counting

        List<double> latencies = [];
        int lost = 0;
        int duplicated = 0;
        long last = start;
        foreach (string id in ids)
        {
            string key = $"{id}:welcome";
            int copies = sendGrid.Count(key);
            lost += copies == 0 ? 1 : 0;
            duplicated += Math.Max(0, copies - 1);
            if (sendGrid.First(key) is { } at)
            {
                latencies.Add(Stopwatch.GetElapsedTime(sentAt[id], at).TotalMilliseconds);
                last = Math.Max(last, at);
            }
        }

        Stats stats = new(latencies);
        double total = Stopwatch.GetElapsedTime(start, last).TotalSeconds;
        double journeysPerSecond = (count - lost) / total;
        (double bareSeconds, int bareDone) = await BareCeiling.RunAsync(backend, count, InFlight, $"bare{tag}", maxConcurrent);
        double barePerSecond = bareDone / bareSeconds;
        string target = backend == "Memory" ? "all in ≤ 2 s, p99 ≤ 500 ms, 0 lost/dup" : "≥ 80% of bare, 0 lost/dup";
        bool met = backend == "Memory"
            ? total <= 2 && stats.P(99) <= 500 && lost == 0 && duplicated == 0
            : journeysPerSecond >= 0.8 * barePerSecond && lost == 0 && duplicated == 0;
        string cap = maxConcurrent == 64 ? "" : $" (before: engine cap {maxConcurrent} = cores)";
        Report.Add($"2. launch burst, {backend}{cap}: send → welcome accepted", $"{count} distinct payments, {InFlight} in flight (all answered in {Stopwatch.GetElapsedTime(start, accepted).TotalSeconds:0.00} s)",
            $"all accepted in {total:0.00} s = {journeysPerSecond:0} journeys/s; lost {lost}, duplicated {duplicated}",
            Report.Ms(stats.Median), Report.Ms(stats.P(99)), Report.Ms(stats.Max), target, met ? "met" : "missed");
        Report.Add($"2. bare ceiling, {backend}{cap}", $"{count} orchestrations × 1 no-op activity, {InFlight} in flight, same engine", $"{bareDone} in {bareSeconds:0.00} s = {barePerSecond:0}/s; journeys at {100 * journeysPerSecond / barePerSecond:0}% of it",
            "-", "-", "-", "reference", "");
    }

    /// <summary>3. Sleepers on Azure Storage: RSS once all are asleep on day-3 timers; kill -9 and restart; every day-3 mail arrives once.</summary>
    private static async Task SleepersAsync(string repoRoot, Payments payments, FakeSendGrid sendGrid, string run, int count, double daySeconds)
    {
        string tag = $"sl{run}";
        Dictionary<string, string> settings = Settings(sendGrid, "AzureStorage", tag, daySeconds);
        settings["Journey:FollowUpWindow"] = "any";   // day 3 exactly: a send-window deferral would only lengthen the run
        await using SelfHostChild host = await SelfHostChild.StartSelfHostAsync(repoRoot, settings);
        long idleRss = host.RssBytes();
        using LoadClient client = new(host.BaseAddress, InFlight);
        long start = Stopwatch.GetTimestamp();
        List<string> ids = await SendAsync(client, payments, tag, count, null);
        double sendSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Console.WriteLine($"  {count} sent in {sendSeconds:0} s; waiting for every welcome mail");
        int welcomed = await WaitForWelcomesAsync(sendGrid, ids, TimeSpan.FromSeconds(3 * daySeconds * 0.9 - sendSeconds));
        double asleepAfter = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await Task.Delay(10_000);   // settle: queues drained, nothing in flight
        long asleepRss = host.RssBytes();
        Console.WriteLine($"  {welcomed}/{count} asleep after {asleepAfter:0} s; RSS idle {asleepRss / 1048576} MiB (before load {idleRss / 1048576} MiB)");
        Report.Add("3. sleepers: host RSS, all asleep on day-3 timers", $"{count} journeys on Azure Storage (Azurite), SelfHost process, /proc VmRSS after 10 s idle",
            $"{asleepRss / 1048576.0:0} MiB ({welcomed} asleep; {idleRss / 1048576.0:0} MiB before load; ingest {count / sendSeconds:0}/s)", "-", "-", "-", "≤ 300 MB", asleepRss <= 300_000_000 && welcomed == count ? "met" : "missed");

        await host.KillAsync();
        await host.StartAsync();
        DateTime giveUp = DateTime.UtcNow.AddSeconds(3 * daySeconds + 600);
        while (ids.Count(id => sendGrid.Count($"{id}:review-request") > 0) < count && DateTime.UtcNow < giveUp)
        {
            await Task.Delay(500);
        }

        await Task.Delay(3000);
        int reviewed = ids.Count(id => sendGrid.Count($"{id}:review-request") > 0);
        int duplicates = ids.Sum(id => Math.Max(0, sendGrid.Count($"{id}:review-request") - 1) + Math.Max(0, sendGrid.Count($"{id}:welcome") - 1));
        Report.Add("3. sleepers: kill -9, restart, day-3 mails", $"{count} journeys resumed by a restarted SelfHost", $"{reviewed}/{count} day-3 review mails, {duplicates} duplicated (welcome or review)",
            "-", "-", "-", "all resume, 0 duplicated", reviewed == count && duplicates == 0 ? "met" : "missed");
    }

    private static async Task<List<string>> SendAsync(LoadClient client, Payments payments, string run, int count, Dictionary<string, long>? sentAt)
    {
        string[] ids = new string[count];
        long[] sent = new long[count];
        int next = -1;
        int failed = 0;
        await Task.WhenAll(Enumerable.Range(0, InFlight).Select(_ => Task.Run(async () =>
        {
            int n;
            while ((n = Interlocked.Increment(ref next)) < count)
            {
                // Signed as it is sent: a long run must not age its signatures past the 300 s tolerance.
                (byte[] body, string signature, ids[n]) = payments.Next(run, n);
                (bool Ok, long SentTimestamp, double LatencyMs) result = await client.PostPaymentAsync(body, signature, CancellationToken.None);
                sent[n] = result.SentTimestamp;
                if (!result.Ok)
                {
                    Interlocked.Increment(ref failed);
                }
            }
        })));
        if (failed > 0)
        {
            Console.WriteLine($"  {failed} deliveries were not answered 200");
        }

        for (int i = 0; i < count && sentAt is not null; i++)
        {
            sentAt[ids[i]] = sent[i];
        }

        return [.. ids];
    }

    private static async Task<int> WaitForWelcomesAsync(FakeSendGrid sendGrid, List<string> ids, TimeSpan timeout)
    {
        DateTime giveUp = DateTime.UtcNow + (timeout < TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30) : timeout);
        int done;
        while ((done = ids.Count(id => sendGrid.Count($"{id}:welcome") > 0)) < ids.Count && DateTime.UtcNow < giveUp)
        {
            await Task.Delay(20);
        }

        return done;
    }

    private static Dictionary<string, string> Settings(FakeSendGrid sendGrid, string backend, string tag, double dayLengthSeconds) => new()
    {
        ["CrmTables"] = Storage,
        ["Crm:TablePrefix"] = tag,
        ["Durable:Backend"] = backend,
        ["Durable:StorageConnection"] = Storage,
        ["Durable:TaskHub"] = tag,
        ["SendGrid:ApiKey"] = FakeSendGrid.ApiKey,
        ["SendGrid:Host"] = sendGrid.BaseUrl,
        ["Journey:DayLength"] = TimeSpan.FromSeconds(dayLengthSeconds).ToString("c", CultureInfo.InvariantCulture),
    };

    private static (byte[], string) Pair((byte[] Body, string Signature, string Id) p) => (p.Body, p.Signature);

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PostPurchaseFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
