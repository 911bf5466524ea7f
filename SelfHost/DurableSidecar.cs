using System.Net.Sockets;
using DurableTask.AzureStorage;
using DurableTask.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using Microsoft.Extensions.Options;

namespace PostPurchase.SelfHost;

/// <summary>
/// The Durable Task engine in this process: the SDK's gRPC sidecar (TaskHubGrpcServer) over the configured
/// backend, served on a private Unix socket (HTTP/2 only, apart from the API port). The worker and the
/// client each get their own channel to it.
/// </summary>
public sealed class DurableSidecar : IHostedService, IAsyncDisposable
{
    private readonly DurableOptions options;
    private readonly ILoggerFactory loggerFactory;
    private readonly string socketPath = Path.Combine(Path.GetTempPath(), $"postpurchase-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
    private WebApplication? server;

    public DurableSidecar(IOptions<DurableOptions> options, ILoggerFactory loggerFactory)
    {
        this.options = options.Value;
        this.loggerFactory = loggerFactory;
        this.WorkerChannel = this.NewChannel();
        this.ClientChannel = this.NewChannel();
    }

    public GrpcChannel WorkerChannel { get; }

    public GrpcChannel ClientChannel { get; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IOrchestrationService service = await this.CreateBackendAsync();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(this.loggerFactory);
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(this.socketPath, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(service);
        builder.Services.AddSingleton((IOrchestrationServiceClient)service);
        builder.Services.AddSingleton<TaskHubGrpcServer>();
        this.server = builder.Build();
        this.server.MapGrpcService<TaskHubGrpcServer>();
        await this.server.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (this.server is not null)
        {
            await this.server.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        this.WorkerChannel.Dispose();
        this.ClientChannel.Dispose();
        if (this.server is not null)
        {
            await this.server.DisposeAsync();
        }

        File.Delete(this.socketPath);
    }

    private async Task<IOrchestrationService> CreateBackendAsync()
    {
        if (this.options.Backend == DurableBackend.Memory)
        {
            return new WideInMemoryOrchestrationService(this.loggerFactory, this.options.MaxConcurrentWorkItems);
        }

        AzureStorageOrchestrationService service = new(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider(this.options.StorageConnection),
            TaskHubName = this.options.TaskHub,
            // A fixed worker id lets a restarted process take its own partitions back at once.
            WorkerId = "selfhost",
            MaxQueuePollingInterval = TimeSpan.FromSeconds(1),
            MaxConcurrentTaskOrchestrationWorkItems = this.options.MaxConcurrentWorkItems,
            MaxConcurrentTaskActivityWorkItems = this.options.MaxConcurrentWorkItems,
            ControlQueueVisibilityTimeout = this.options.MessageVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = this.options.MessageVisibilityTimeout,
            LoggerFactory = this.loggerFactory,
        });
        // Without reachable storage the SDK retries for ever and the app never listens: give up with a clear reason instead.
        Task create = service.CreateIfNotExistsAsync();
        if (await Task.WhenAny(create, Task.Delay(TimeSpan.FromSeconds(30))) != create)
        {
            throw new InvalidOperationException(
                "The Durable task hub's storage (Durable:StorageConnection) did not answer within 30 s. Start Azurite " +
                "(npm ci && npx azurite --silent) or set Durable__Backend=Memory.");
        }

        await create;
        return service;
    }

    private GrpcChannel NewChannel()
    {
        string path = this.socketPath;
        SocketsHttpHandler handler = new()
        {
            ConnectCallback = async (_, ct) =>
            {
                Socket socket = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions { HttpHandler = handler });
    }
}

/// <summary>
/// The SDK's in-memory backend with a configurable concurrency cap. The stock service caps orchestrations and
/// activities at the core count, and the sidecar's dispatcher sleeps 500 ms whenever the cap is reached: on a
/// two-core machine a launch burst of journeys (whose activities mostly wait on Table Storage and SendGrid)
/// crawled at two activities at a time. Re-implementing <see cref="IOrchestrationService"/> maps just these two
/// properties anew; every other member (and the client, query and purge interfaces TaskHubGrpcServer casts to)
/// stays the base class's own.
/// </summary>
internal sealed class WideInMemoryOrchestrationService(ILoggerFactory loggerFactory, int maxConcurrentWorkItems)
    : InMemoryOrchestrationService(loggerFactory), IOrchestrationService
{
    int IOrchestrationService.MaxConcurrentTaskOrchestrationWorkItems => maxConcurrentWorkItems;

    int IOrchestrationService.MaxConcurrentTaskActivityWorkItems => maxConcurrentWorkItems;
}
