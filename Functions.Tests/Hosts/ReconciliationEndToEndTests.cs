using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PostPurchase.Http;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.TestDoubles;
using PostPurchase.Webhooks;

namespace PostPurchase.Tests.Hosts;

/// <summary>A paid order whose webhook never arrived still gets its journey, once, however often reconciliation runs.</summary>
public sealed class ReconciliationEndToEndTests(AzuriteFixture azurite)
{
    private const string PaymentIntent = "pi_3R2kAaExampleKRW0001";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_payment_whose_webhook_never_came_gets_one_journey_and_the_late_webhook_starts_nothing()
    {
        string samples = Path.Combine(AppContext.BaseDirectory, "Fixtures", "samples");
        using JsonDocument intentEvent = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(samples, "stripe-payment_intent.succeeded-krw.json"), Ct));
        using JsonDocument checkoutEvent = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(samples, "stripe-checkout.session.completed-krw.json"), Ct));
        string intent = intentEvent.RootElement.GetProperty("data").GetProperty("object").GetRawText();
        string session = checkoutEvent.RootElement.GetProperty("data").GetProperty("object").GetRawText();
        await using LocalHttpServer stripeApi = await LocalHttpServer.StartAsync(async (request, context) =>
        {
            string path = request.PathAndQuery;
            string? body = request.Headers.GetValueOrDefault("Authorization") != "Bearer sk_test_reconcile" ? null
                : path.StartsWith("/v1/payment_intents?", StringComparison.Ordinal) && path.Contains("created", StringComparison.Ordinal)
                    ? $$"""{"object":"list","data":[{{intent}}],"has_more":false,"url":"/v1/payment_intents"}"""
                : path.StartsWith("/v1/checkout/sessions?", StringComparison.Ordinal) && path.Contains("payment_intent=" + PaymentIntent, StringComparison.Ordinal)
                    ? $$"""{"object":"list","data":[{{session}}],"has_more":false,"url":"/v1/checkout/sessions"}"""
                : null;
            context.Response.StatusCode = body is null ? StatusCodes.Status404NotFound : StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body ?? """{"error":{"type":"invalid_request_error","message":"No such resource"}}""", context.RequestAborted);
        });
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 60, extra: new Dictionary<string, string?>
        {
            ["Stripe:ApiKey"] = "sk_test_reconcile",
            ["Stripe:ApiBase"] = stripeApi.BaseUrl,
        });

        ReconcileReport first = await ReconcileAsync(host);
        ReconcileReport second = await ReconcileAsync(host);
        using HttpResponseMessage lateWebhook = await host.PostStripeAsync(await File.ReadAllBytesAsync(Path.Combine(samples, "stripe-checkout.session.completed-krw.json"), Ct));

        Assert.Equal(new ReconcileReport(Listed: 1, AlreadyKnown: 0, Started: 1, Skipped: 0), first);
        Assert.Equal(new ReconcileReport(Listed: 1, AlreadyKnown: 1, Started: 0, Skipped: 0), second);
        Assert.Equal("already received", (await lateWebhook.Content.ReadFromJsonAsync<DoorAnswer>(Ct))!.Status);
        Assert.Equal("minji.kim@example.com", (await host.WaitForMailAsync("stripe-" + PaymentIntent, "welcome")).To.Mailboxes.Single().Address);
        Assert.Single(Directory.GetFiles(host.OutboxPath, "*.eml"));
    }

    [Fact]
    public async Task A_Toss_payment_whose_webhook_never_came_is_found_in_the_ledger_and_gets_one_journey()
    {
        const string paid = "tviva20250314210705Ab3dE";
        const string tooOld = "tviva20250310090000Old01";
        string samples = Path.Combine(AppContext.BaseDirectory, "Fixtures", "samples");
        byte[] payment = await File.ReadAllBytesAsync(Path.Combine(samples, "toss-confirm-response-done.json"), Ct);
        await using FakeTossApi toss = await FakeTossApi.StartAsync();
        toss.Payments[paid] = payment;
        toss.Payments[tooOld] = payment;
        DateTime seoulNow = DateTime.UtcNow.AddHours(9);

        // Outside the 72 h look-back only when the dates are sent in Seoul time (UTC read as Seoul would reach 9 h further back).
        toss.Transactions.Enqueue(("tx-old", tooOld, "DONE", seoulNow.AddHours(-76)));

        // 120 unpaid attempts first, so the paid one is on the second page of 100.
        for (int i = 0; i < 120; i++)
        {
            toss.Transactions.Enqueue(($"tx-{i:D3}", $"tviva-aborted-{i:D3}", i % 2 == 0 ? "ABORTED" : "WAITING_FOR_DEPOSIT", seoulNow.AddHours(-3)));
        }

        toss.Transactions.Enqueue(("tx-paid", paid, "DONE", seoulNow.AddHours(-2)));
        toss.Transactions.Enqueue(("tx-canceled", paid, "CANCELED", seoulNow.AddHours(-1)));
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 60, extra: new Dictionary<string, string?>
        {
            ["Toss:SecretKey"] = FakeTossApi.SecretKey,
            ["Toss:ApiBase"] = toss.BaseUrl,
        });

        ReconcileReport first = await ReconcileAsync(host);
        ReconcileReport second = await ReconcileAsync(host);
        using ByteArrayContent lateBody = new(await File.ReadAllBytesAsync(Path.Combine(samples, "toss-webhook-payment-status-changed-done.json"), Ct));
        lateBody.Headers.ContentType = new("application/json");
        using HttpResponseMessage lateWebhook = await host.Http.PostAsync("/api/webhooks/toss", lateBody, Ct);

        Assert.Equal(new ReconcileReport(Listed: 1, AlreadyKnown: 0, Started: 1, Skipped: 0), first);
        Assert.Equal(new ReconcileReport(Listed: 1, AlreadyKnown: 1, Started: 0, Skipped: 0), second);
        Assert.Equal("already received", (await lateWebhook.Content.ReadFromJsonAsync<DoorAnswer>(Ct))!.Status);
        Assert.Equal("minji.kim@example.com", (await host.WaitForMailAsync("toss-" + paid, "welcome")).To.Mailboxes.Single().Address);
        Assert.Single(Directory.GetFiles(host.OutboxPath, "*.eml"));
        Assert.Contains(toss.Requests, r => r.PathAndQuery.Contains("startingAfter=tx-099", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_a_stripe_api_key_reconciliation_says_so_and_starts_nothing()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, backend: "Memory");

        ReconcileReport report = await ReconcileAsync(host);

        Assert.Equal(0, report.Started);
        Assert.Contains("Stripe:ApiKey", report.Note, StringComparison.Ordinal);
    }

    private static async Task<ReconcileReport> ReconcileAsync(SelfHostDriver host)
    {
        using HttpResponseMessage response = await host.Http.PostAsync("/api/reconcile?hours=72", null, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<ReconcileReport>(Ct))!;
    }
}
