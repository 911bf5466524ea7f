using System.Security.Cryptography;
using System.Text;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Options;
using PostPurchase.Http;
using PostPurchase.Infrastructure;

namespace PostPurchase.SelfHost;

public static class SelfHostExtensions
{
    public static IServiceCollection AddSelfHostedJourneys(this IServiceCollection services, IConfiguration configuration, Action<DurableTaskRegistry>? tasks = null)
    {
        services.AddOptions<DurableOptions>().Bind(configuration.GetSection(DurableOptions.Section));
        services.AddSingleton<DurableSidecar>();
        // Registered before the worker so the engine is listening when the worker connects.
        services.AddHostedService(sp => sp.GetRequiredService<DurableSidecar>());
        services.AddDurableTaskWorker(worker =>
        {
            worker.AddTasks(tasks ?? (registry => registry.AddPostPurchaseJourney()));
            worker.UseGrpc();
        });
        services.AddOptions<Microsoft.DurableTask.Worker.Grpc.GrpcDurableTaskWorkerOptions>(Options.DefaultName)
            .Configure<DurableSidecar>((o, sidecar) => o.Channel = sidecar.WorkerChannel);
        services.AddHostedService<ReconciliationJob>();
        services.AddDurableTaskClient(client =>
        {
            client.UseGrpc();
            client.RegisterDirectly();
        });
        services.AddOptions<Microsoft.DurableTask.Client.Grpc.GrpcDurableTaskClientOptions>(Options.DefaultName)
            .Configure<DurableSidecar>((o, sidecar) => o.Channel = sidecar.ClientChannel);
        return services;
    }

    /// <summary>The same routes as the Functions app, under /api on the same port.</summary>
    public static WebApplication MapPostPurchaseRoutes(this WebApplication app)
    {
        RouteGroupBuilder api = app.MapGroup("/api");
        api.MapPost("/webhooks/stripe", (HttpRequest request, PaymentDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.StripeAsync(request, client, ct));
        api.MapPost("/webhooks/toss", (HttpRequest request, PaymentDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.TossAsync(request, client, ct));
        api.MapPost("/webhooks/paypal", (HttpRequest request, PaymentDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.PayPalAsync(request, client, ct));
        // Guarded by its own URL secret or basic auth (InboundMail settings), not the admin key: SendGrid calls it.
        api.MapPost("/webhooks/inbound-email", (HttpRequest request, PaymentDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.InboundEmailAsync(request, client, ct));
        api.MapGet("/survey/{token}", (HttpRequest request, string token, BuyerDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.SurveyAsync(request, token, client, ct));
        api.MapPost("/survey/{token}", (HttpRequest request, string token, BuyerDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.SurveyCommentAsync(request, token, client, ct)).DisableAntiforgery();   // the signed token is the credential
        api.MapGet("/go/{token}", (HttpRequest request, string token, BuyerDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.GoAsync(request, token, client, ct));
        api.MapMethods("/unsubscribe/{token}", ["GET", "POST"], (HttpRequest request, string token, BuyerDoors doors, CancellationToken ct) =>
            doors.UnsubscribeAsync(request, token, ct));
        api.MapGet("/files/{token}", (HttpRequest request, string token, BuyerDoors doors, CancellationToken ct) =>
            doors.FileAsync(request, token, ct));
        api.MapPost("/webhooks/sendgrid-events", (HttpRequest request, EngagementDoors doors, CancellationToken ct) =>
            doors.SendGridEventsAsync(request, ct));

        RouteGroupBuilder admin = app.MapGroup("").AddEndpointFilter(RequireAdminKey);
        admin.MapGet("/api/orders/{orderId}", (string orderId, AdminDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.OrderAsync(orderId, client, ct));
        admin.MapPost("/api/orders/expected", (HttpRequest request, PaymentDoors doors, CancellationToken ct) =>
            doors.ExpectedOrderAsync(request, ct));
        admin.MapPost("/api/inbound-mail/{mailId}/replay", (string mailId, PaymentDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.ReplayInboundMailAsync(mailId, client, ct));
        admin.MapGet("/api/orders", (HttpRequest request, AdminDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.ListOrdersAsync(request, client, ct));
        admin.MapGet("/api/dashboard", (HttpRequest request, AdminDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.DashboardAsync(request, client, ct));
        admin.MapPost("/api/orders/{orderId}/resend/{step}", (string orderId, string step, string? reason, AdminDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.ResendAsync(orderId, step, reason, client, ct));
        admin.MapPost("/api/orders/{orderId}/cancel", (string orderId, string? reason, AdminDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.CancelAsync(orderId, reason, client, ct));
        admin.MapPost("/api/orders/{orderId}/rerun", (string orderId, string? reason, string? buyerEmail, AdminDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.RerunAsync(orderId, reason, buyerEmail, client, ct));
        admin.MapGet("/api/customers", (HttpRequest request, AdminDoors doors, CancellationToken ct) =>
            doors.ListCustomersAsync(request, ct));
        admin.MapPost("/api/customers/{email}/tags", (string email, HttpRequest request, AdminDoors doors, CancellationToken ct) =>
            doors.EditTagsAsync(email, request, ct));
        admin.MapPost("/api/reconcile", (string? hours, AdminDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.ReconcileAsync(hours, client, ct));
        admin.MapDelete("/api/customers/{email}", (string email, AdminDoors doors, DurableTaskClient client, CancellationToken ct) =>
            doors.EraseCustomerAsync(email, client, ct));
        admin.MapGet("/runtime/webhooks/durabletask/instances/{instanceId}", async (string instanceId, DurableTaskClient client, CancellationToken ct) =>
            await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, ct) is { } instance
                ? Results.Ok(new
                {
                    name = instance.Name,
                    instanceId = instance.InstanceId,
                    runtimeStatus = instance.RuntimeStatus.ToString(),
                    customStatus = instance.SerializedCustomStatus?.Trim('"'),
                    output = instance.SerializedOutput,
                    createdTime = instance.CreatedAt,
                    lastUpdatedTime = instance.LastUpdatedAt,
                })
                : Results.NotFound());
        return app;
    }

    /// <summary>Admin routes need the seller's key (x-admin-key header or ?code=, as in Functions); with no key configured they stay shut.</summary>
    private static async ValueTask<object?> RequireAdminKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        HttpContext http = context.HttpContext;
        string? expected = http.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value.ApiKey;
        string given = http.Request.Headers["x-admin-key"].ToString() is { Length: > 0 } header ? header : http.Request.Query["code"].ToString();
        if (string.IsNullOrEmpty(expected)
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(given)))
        {
            return Results.Unauthorized();
        }

        return await next(context);
    }
}
