using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Azure.Data.Tables;
using PostPurchase.Tests.Fixtures;

[assembly: AssemblyFixture(typeof(AzuriteFixture))]

namespace PostPurchase.Tests.Fixtures;

/// <summary>
/// One Azurite for the whole test run. When something already listens on 127.0.0.1:10002 (a developer's
/// Azurite, CI's azurite-table) it is used as is; otherwise Azurite starts from the repo's node_modules,
/// in memory, and is killed when the run ends. Take it as a constructor parameter; use fresh Guid-based
/// ids in every test so tests can share it and run in parallel.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private const string Host = "127.0.0.1";
    private static readonly int[] Ports = [10000, 10001, 10002];
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly StringBuilder output = new();
    private Process? azurite;
    private string? workspace;

    /// <summary>True when this fixture started Azurite (and so stops it); false when one was already running.</summary>
    public bool StartedHere => this.azurite is not null;

    /// <summary>Azurite's well-known development account on 127.0.0.1:10000-10002; the app's "CrmTables" setting takes the same value.</summary>
    public string ConnectionString { get; } = "UseDevelopmentStorage=true";

    public TableServiceClient CreateTableServiceClient() => new(this.ConnectionString);

    public async ValueTask InitializeAsync()
    {
        if (await IsListeningAsync(10002))
        {
            return;
        }

        string repoRoot = FindRepoRoot();
        string script = Path.Combine(repoRoot, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite is not installed: run `npm ci` in {repoRoot} (package.json pins azurite 3.37.0).");
        }

        // In memory (Azurite refuses --location with it); the working folder is a temp one so nothing lands in the repo.
        this.workspace = Directory.CreateTempSubdirectory("azurite-").FullName;
        ProcessStartInfo start = new("node")
        {
            WorkingDirectory = this.workspace,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[]
        {
            script, "--silent", "--inMemoryPersistence", "--disableTelemetry",
            "--blobHost", Host, "--queueHost", Host, "--tableHost", Host, "--skipApiVersionCheck", "--loose",
        })
        {
            start.ArgumentList.Add(arg);
        }

        Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        process.OutputDataReceived += (_, e) => this.Capture(e.Data);
        process.ErrorDataReceived += (_, e) => this.Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        this.azurite = process;

        using CancellationTokenSource timeout = new(StartTimeout);
        while (!await AllListeningAsync())
        {
            if (process.HasExited)
            {
                // Another test run may have started Azurite between our check and our start; use that one.
                int exitCode = process.ExitCode;
                this.azurite = null;
                process.Dispose();
                if (await AllListeningAsync())
                {
                    return;
                }

                throw new InvalidOperationException($"Azurite exited with code {exitCode}: {this.CapturedOutput()}");
            }

            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"Azurite did not listen on {Host}:10000-10002 within {StartTimeout.TotalSeconds} s: {this.CapturedOutput()}");
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (this.azurite is { } process)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            finally
            {
                process.Dispose();
                this.azurite = null;
            }
        }

        if (this.workspace is not null)
        {
            try
            {
                Directory.Delete(this.workspace, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }

    /// <summary>The folder holding PostPurchaseFunctions.sln, found by walking up from the test binaries.</summary>
    public static string FindRepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PostPurchaseFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No PostPurchaseFunctions.sln above {AppContext.BaseDirectory}.");
    }

    private static async Task<bool> AllListeningAsync()
    {
        foreach (int port in Ports)
        {
            if (!await IsListeningAsync(port))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        using TcpClient client = new();
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(Host, port, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private void Capture(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (this.output)
        {
            if (this.output.Length < 8000)
            {
                this.output.AppendLine(line);
            }
        }
    }

    private string CapturedOutput()
    {
        lock (this.output)
        {
            return this.output.ToString();
        }
    }
}
