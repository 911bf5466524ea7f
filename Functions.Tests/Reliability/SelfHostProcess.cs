using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.Hosts;

namespace PostPurchase.Tests.Reliability;

/// <summary>
/// The built SelfHost as a child process (<c>dotnet PostPurchase.SelfHost.dll</c>) on the Azure Storage backend, so a
/// test can kill it the hard way (SIGKILL: no shutdown hooks, no flushing) and start it again on the same task hub,
/// CRM tables, port and outbox. The process's console output is kept for a failure message.
/// </summary>
public sealed class SelfHostProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string> environment;
    private readonly StringBuilder output = new();
    private Process? process;

    private SelfHostProcess(Dictionary<string, string> environment, Uri baseAddress, string folder)
    {
        this.environment = environment;
        this.Folder = folder;
        this.Http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = baseAddress };
        this.Http.DefaultRequestHeaders.Add("x-admin-key", SelfHostDriver.AdminKey);
    }

    public HttpClient Http { get; }

    public string Folder { get; }

    public int Starts { get; private set; }

    /// <summary>Settings use configuration keys ("SendGrid:Host"); they reach the child as environment variables.</summary>
    public static async Task<SelfHostProcess> StartAsync(AzuriteFixture azurite, double dayLengthSeconds, IDictionary<string, string?> extra)
    {
        string unique = Guid.NewGuid().ToString("N")[..10];
        string folder = Path.Combine(Path.GetTempPath(), $"postpurchase-crash-{unique}");
        Directory.CreateDirectory(folder);
        int port = FreePort();
        Dictionary<string, string?> settings = new()
        {
            ["Urls"] = $"http://127.0.0.1:{port}",
            ["CrmTables"] = azurite.ConnectionString,
            ["Crm:TablePrefix"] = $"crash{unique}",
            ["Durable:Backend"] = "AzureStorage",
            ["Durable:StorageConnection"] = azurite.ConnectionString,
            ["Durable:TaskHub"] = $"crash{unique}",
            // Steps take well under a second here, so a step cut off by the kill comes back after 10 s instead of 5 minutes.
            ["Durable:MessageVisibilityTimeout"] = "00:00:10",
            ["Stripe:WebhookSecret"] = SelfHostDriver.StripeSecret,
            ["Links:SigningKey"] = "crash-test-link-signing-key-000000000000000",
            ["Links:BaseUrl"] = SelfHostDriver.PublicBaseUrl,
            ["SendGrid:FromEmail"] = "hello@shop.example.com",
            ["SendGrid:OutboxPath"] = Path.Combine(folder, "outbox"),
            ["Slack:SinkPath"] = Path.Combine(folder, "slack.jsonl"),
            ["Catalog:Path"] = Path.Combine(AzuriteFixture.FindRepoRoot(), "catalog", "catalog.json"),
            ["Admin:ApiKey"] = SelfHostDriver.AdminKey,
            ["Journey:DayLength"] = TimeSpan.FromSeconds(dayLengthSeconds).ToString(),
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach ((string key, string? value) in extra)
        {
            settings[key] = value;
        }

        Dictionary<string, string> env = settings.Where(s => s.Value is not null).ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        SelfHostProcess host = new(env, new Uri($"http://127.0.0.1:{port}"), folder);
        await host.StartAgainAsync();
        return host;
    }

    /// <summary>Starts the process (again) and waits until it answers HTTP.</summary>
    public async Task StartAgainAsync()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "PostPurchase.SelfHost.dll");
        ProcessStartInfo start = new("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = this.Folder,
        };
        start.ArgumentList.Add(dll);
        foreach ((string key, string value) in this.environment)
        {
            start.Environment[key] = value;
        }

        Process child = Process.Start(start) ?? throw new InvalidOperationException("Could not start the SelfHost process.");
        child.OutputDataReceived += (_, e) => this.Capture(e.Data);
        child.ErrorDataReceived += (_, e) => this.Capture(e.Data);
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        this.process = child;
        this.Starts++;

        DateTime giveUp = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (child.HasExited)
            {
                throw new InvalidOperationException($"SelfHost exited with {child.ExitCode}: {this.Output()}");
            }

            try
            {
                using HttpResponseMessage probe = await this.Http.GetAsync("/api/orders/probe", TestContext.Current.CancellationToken);
                if (probe.StatusCode == HttpStatusCode.NotFound)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > giveUp)
            {
                throw new TimeoutException($"SelfHost did not answer within 60 s: {this.Output()}");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>SIGKILL: the process gets no chance to finish a step, flush or release anything.</summary>
    public async Task KillAsync()
    {
        if (this.process is { HasExited: false } child)
        {
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
    }

    public string Output()
    {
        lock (this.output)
        {
            return this.output.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (this.process is { HasExited: false } child)
        {
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync(CancellationToken.None);
        }

        this.process?.Dispose();
        this.Http.Dispose();
        try
        {
            Directory.Delete(this.Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (this.output)
        {
            if (this.output.Length < 20_000)
            {
                this.output.AppendLine(line);
            }
        }
    }
}
