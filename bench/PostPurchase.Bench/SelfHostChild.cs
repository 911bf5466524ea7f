using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PostPurchase.Bench;

/// <summary>The built SelfHost (or the raw server) as a child process with its settings in the environment.</summary>
internal sealed class SelfHostChild : IAsyncDisposable
{
    private readonly ProcessStartInfo start;
    private Process? process;

    private SelfHostChild(ProcessStartInfo start, int port)
    {
        this.start = start;
        this.BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri BaseAddress { get; }

    public static int FreePort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task<SelfHostChild> StartSelfHostAsync(string repoRoot, Dictionary<string, string> settings)
    {
        int port = FreePort();
        ProcessStartInfo start = new("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PostPurchase.SelfHost.dll"));
        Dictionary<string, string> env = new(settings)
        {
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["Stripe:WebhookSecret"] = Payments.Secret,
            ["Links:SigningKey"] = "bench-link-signing-key-00000000000000000000",
            ["Links:BaseUrl"] = "https://buyers.shop.example.com",
            ["SendGrid:FromEmail"] = "hello@shop.example.com",
            ["Catalog:Path"] = Path.Combine(repoRoot, "catalog", "catalog.json"),
            ["Admin:ApiKey"] = "bench-admin-key",
            ["Logging:LogLevel:Default"] = "Error",
        };
        foreach ((string key, string value) in env)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        SelfHostChild child = new(start, port);
        await child.StartAsync();
        return child;
    }

    public static async Task<SelfHostChild> StartRawAsync()
    {
        int port = FreePort();
        ProcessStartInfo start = new("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "PostPurchase.Bench.dll"));
        start.ArgumentList.Add("raw-server");
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        SelfHostChild child = new(start, port);
        await child.StartAsync();
        return child;
    }

    public async Task StartAsync()
    {
        Process p = Process.Start(this.start) ?? throw new InvalidOperationException("could not start the child process");
        p.OutputDataReceived += (_, e) => Echo(e.Data);
        p.ErrorDataReceived += (_, e) => Echo(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        this.process = p;
        using HttpClient probe = new() { BaseAddress = this.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        DateTime giveUp = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < giveUp)
        {
            if (p.HasExited)
            {
                throw new InvalidOperationException($"child exited with {p.ExitCode}");
            }

            try
            {
                using HttpResponseMessage r = await probe.GetAsync(new Uri("/api/orders/probe", UriKind.Relative));
                return;   // any answer: it listens
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(200);
            }
        }

        throw new TimeoutException("child did not listen within 90 s");
    }

    /// <summary>Resident set size of the child, from /proc (what the OS counts against the host).</summary>
    public long RssBytes()
    {
        foreach (string line in File.ReadLines($"/proc/{this.process!.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return -1;
    }

    /// <summary>SIGKILL, as a crash would.</summary>
    public async Task KillAsync()
    {
        if (this.process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await this.KillAsync();
        this.process?.Dispose();
    }

    private static void Echo(string? line)
    {
        // Errors only (the child logs at Error); shown so a failing run says why.
        if (!string.IsNullOrWhiteSpace(line))
        {
            Console.Error.WriteLine("    [host] " + line);
        }
    }
}
