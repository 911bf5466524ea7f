using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using PostPurchase.Activities;
using PostPurchase.BuyerActions;
using PostPurchase.Crm;
using PostPurchase.Journey;
using PostPurchase.Mail;
using PostPurchase.Purchases;
using PostPurchase.Webhooks;

namespace PostPurchase.Http;

/// <summary>
/// The seller's admin routes: where every order stands, the CRM filter views (JSON or CSV), tag edits,
/// erasure, and explicit actions on one journey (resend a step, cancel, re-run from the start).
/// </summary>
public sealed partial class AdminDoors(
    CustomerRepository crm, JourneyMailer mailer, JourneyStarter starter, PaymentReconciler reconciler, LinkSigner signer, TimeProvider time, ILogger<AdminDoors> logger)
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 500;

    private static readonly Dictionary<string, (MailKind Kind, string Step)> ResendableSteps = new(StringComparer.OrdinalIgnoreCase)
    {
        [SendWelcomeEmail.Step] = (MailKind.Welcome, SendWelcomeEmail.Step),
        [SendReviewRequest.Step] = (MailKind.ReviewRequest, SendReviewRequest.Step),
        [SendReminder.Step] = (MailKind.Reminder, SendReminder.Step),
    };

    /// <summary>GET /api/orders/{orderId}: stage, runtime status, timeline of every step, CRM record.</summary>
    public async Task<IResult> OrderAsync(string orderId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        OrderRecord? order = await crm.GetOrderAsync(orderId, cancellationToken);
        // With inputs and outputs: the custom status (the stage) only comes along with them.
        OrchestrationMetadata? journey = await client.GetInstanceAsync(orderId, getInputsAndOutputs: true, cancellationToken);
        if (order is null && journey is null)
        {
            return Results.NotFound(new DoorAnswer("not found", "no order or journey with this id"));
        }

        IReadOnlyList<TimelineEntry> timeline = await crm.GetTimelineAsync(orderId, cancellationToken);
        return Results.Ok(new OrderView(
            orderId,
            Stage(journey),
            journey?.RuntimeStatus.ToString(),
            journey?.CreatedAt,
            journey?.LastUpdatedAt,
            timeline,
            order));
    }

    /// <summary>GET /api/orders?stage=&amp;product=&amp;status=&amp;from=&amp;to=&amp;pageSize=&amp;continuation=: journeys with their stage, paged.</summary>
    public async Task<IResult> ListOrdersAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken) =>
        this.ListProblem(request.Query, LinkPurpose.OrdersPage) is { } problem
            ? Results.BadRequest(new DoorAnswer("rejected", problem))
            : Results.Ok(await this.QueryOrdersAsync(request.Query, client, cancellationToken));

    /// <summary>GET /api/dashboard: the same list as a small read-only page for the seller's browser.</summary>
    public async Task<IResult> DashboardAsync(HttpRequest request, DurableTaskClient client, CancellationToken cancellationToken) =>
        this.ListProblem(request.Query, LinkPurpose.OrdersPage) is { } problem
            ? Results.Content(AdminPages.Dashboard(new OrderList([], null), request.Query, problem), "text/html; charset=utf-8", null, StatusCodes.Status400BadRequest)
            : Results.Content(AdminPages.Dashboard(await this.QueryOrdersAsync(request.Query, client, cancellationToken), request.Query), "text/html; charset=utf-8");

    /// <summary>What is wrong with a list query, in the seller's words; null when nothing is.</summary>
    private string? ListProblem(IQueryCollection q, LinkPurpose list) =>
        !TryDate(q["from"], out _) || !TryDate(q["to"], out _) ? "from and to must be dates such as 2026-12-01 (ISO 8601)"
        : !TryPageSize(q["pageSize"], out _) ? "pageSize must be 1-500"
        : !signer.VerifyPage(Blank(q["continuation"]), list, out _) ? "continuation is not a page token this API gave out"
        : null;

    /// <summary>The orders of a query that <see cref="ListProblem"/> passed, with each journey's stage.</summary>
    private async Task<OrderList> QueryOrdersAsync(IQueryCollection q, DurableTaskClient client, CancellationToken cancellationToken)
    {
        TryDate(q["from"], out DateTimeOffset? from);
        TryDate(q["to"], out DateTimeOffset? to);
        TryPageSize(q["pageSize"], out int pageSize);
        OrderFilter filter = new(Blank(q["product"]), Blank(q["status"]), from, to);

        // The stage lives in the journey, not in the table: filtered here.
        string? stage = Blank(q["stage"]);
        signer.VerifyPage(Blank(q["continuation"]), LinkPurpose.OrdersPage, out string? continuation);
        ResultPage<OrderSummary> page = await ResultPages.FillAsync(continuation, pageSize, stage is not null,
            next => crm.ListOrdersAsync(filter, next, pageSize, cancellationToken),
            async order =>
            {
                OrchestrationMetadata? journey = await client.GetInstanceAsync(order.InstanceId, getInputsAndOutputs: true, cancellationToken);
                OrderSummary summary = new(order.InstanceId, Stage(journey), journey?.RuntimeStatus.ToString(), order.Status, order.Sku, order.ProductName,
                    order.AmountMinor, order.Currency, order.PaidAt, order.Channel);
                return stage is null || string.Equals(summary.Stage, stage, StringComparison.OrdinalIgnoreCase) ? summary : null;
            });
        return new OrderList([.. page.Items.OrderByDescending(i => i.PaidAt)], signer.SignPage(page.Continuation, LinkPurpose.OrdersPage));
    }

    /// <summary>GET /api/customers?tag=&amp;product=&amp;status=&amp;channel=: JSON, or CSV with `Accept: text/csv` / `?format=csv` (UTF-8 with BOM for Excel).</summary>
    public async Task<IResult> ListCustomersAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        IQueryCollection q = request.Query;
        if (this.ListProblem(q, LinkPurpose.CustomersPage) is { } problem)
        {
            return Results.BadRequest(new DoorAnswer("rejected", problem));
        }

        TryPageSize(q["pageSize"], out int pageSize);
        signer.VerifyPage(Blank(q["continuation"]), LinkPurpose.CustomersPage, out string? continuation);

        ResultPage<CustomerRecord> found = await crm.ListCustomersAsync(
            new CustomerFilter(Blank(q["tag"]), Blank(q["product"]), Blank(q["status"]), Blank(q["channel"])), continuation, pageSize, cancellationToken);
        ResultPage<CustomerRecord> page = found with { Continuation = signer.SignPage(found.Continuation, LinkPurpose.CustomersPage) };
        bool csv = string.Equals(q["format"], "csv", StringComparison.OrdinalIgnoreCase)
            || request.Headers.Accept.Any(a => a?.Contains("text/csv", StringComparison.OrdinalIgnoreCase) == true);
        if (!csv)
        {
            return Results.Ok(page);
        }

        StringBuilder sb = new();
        sb.Append("email,name,locale,tags,first_order_at,last_order_at,order_count\r\n");
        foreach (CustomerRecord c in page.Items)
        {
            sb.Append(Csv(c.Email)).Append(',').Append(Csv(c.Name)).Append(',').Append(Csv(c.Locale)).Append(',')
              .Append(Csv(string.Join(' ', c.Tags))).Append(',').Append(Csv(c.FirstOrderAt?.ToString("o", CultureInfo.InvariantCulture))).Append(',')
              .Append(Csv(c.LastOrderAt?.ToString("o", CultureInfo.InvariantCulture))).Append(',').Append(c.OrderCount.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }

        if (page.Continuation is { } next)
        {
            request.HttpContext.Response.Headers["x-continuation"] = next;
        }

        // The BOM makes Excel read the file as UTF-8, so Korean names do not turn into mojibake.
        byte[] bytes = [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(sb.ToString())];
        return Results.File(bytes, "text/csv; charset=utf-8", "customers.csv");
    }

    /// <summary>POST /api/customers/{email}/tags with {"add": [...], "remove": [...]}.</summary>
    public async Task<IResult> EditTagsAsync(string email, HttpRequest request, CancellationToken cancellationToken)
    {
        TagEdit? edit;
        try
        {
            edit = await JsonSerializer.DeserializeAsync<TagEdit>(request.Body, JsonSerializerOptions.Web, cancellationToken);
        }
        catch (JsonException)
        {
            return Results.BadRequest(new DoorAnswer("rejected", "the body is not JSON"));
        }

        if (edit is null || ((edit.Add?.Count ?? 0) == 0 && (edit.Remove?.Count ?? 0) == 0))
        {
            return Results.BadRequest(new DoorAnswer("rejected", "send {\"add\": [...], \"remove\": [...]}"));
        }

        if ((edit.Add ?? []).Concat(edit.Remove ?? []).Any(t => string.IsNullOrWhiteSpace(t) || t.Length > 64 || t.Contains(',', StringComparison.Ordinal)))
        {
            return Results.BadRequest(new DoorAnswer("rejected", "tags are 1-64 characters without commas"));
        }

        CustomerRecord? customer = await crm.EditCustomerTagsAsync(email, edit.Add ?? [], edit.Remove ?? [], cancellationToken);
        return customer is null ? Results.NotFound(new DoorAnswer("not found", "no customer with this e-mail")) : Results.Ok(customer);
    }

    /// <summary>DELETE /api/customers/{email}: erases the buyer's CRM data and stops and purges their journeys.</summary>
    public async Task<IResult> EraseCustomerAsync(string email, DurableTaskClient client, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> journeys = await crm.EraseCustomerAsync(email, cancellationToken);
        if (journeys.Count == 0 && !await crm.WasErasedAsync(email, cancellationToken))
        {
            return Results.NotFound(new DoorAnswer("not found", "no customer with this e-mail"));
        }

        foreach (string id in journeys)
        {
            if (await StopAsync(client, id, "buyer data erased", cancellationToken))
            {
                // Purge only once the termination is written, or the engine would write the history back. The history holds the buyer's details too.
                using CancellationTokenSource terminated = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                terminated.CancelAfter(TimeSpan.FromSeconds(30));
                await client.WaitForInstanceCompletionAsync(id, terminated.Token);
                await client.PurgeInstanceAsync(id, cancellationToken);
            }
        }

        LogErased(logger, journeys.Count);
        return Results.Ok(new DoorAnswer("erased", $"{journeys.Count} order(s)"));
    }

    /// <summary>POST /api/orders/{orderId}/resend/{step}?reason=: sends one mail step again, on purpose, with the reason recorded.</summary>
    public async Task<IResult> ResendAsync(string orderId, string step, string? reason, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 500)
        {
            return Results.BadRequest(new DoorAnswer("rejected", "a reason (1-500 characters) is required"));
        }

        if (!ResendableSteps.TryGetValue(step, out (MailKind Kind, string Step) mail))
        {
            return Results.BadRequest(new DoorAnswer("rejected", $"only {string.Join(", ", ResendableSteps.Keys)} can be resent"));
        }

        if (await client.GetInstanceAsync(orderId, getInputsAndOutputs: true, cancellationToken) is not { } journey
            || journey.ReadInputAs<JourneyInput>() is not { } input)
        {
            return Results.NotFound(new DoorAnswer("not found", "no journey with this id"));
        }

        // A resend is its own step, so the original's idempotency marker stays true and a retry of this request sends once.
        string resendStep = $"{mail.Step}-resend-{time.GetUtcNow():yyyyMMddHHmm}";
        await crm.MarkStepAsync(orderId, $"{resendStep}-requested", "requested", reason, cancellationToken);
        bool sent = await mailer.SendAsync(input, mail.Kind, resendStep, cancellationToken);
        return sent ? Results.Ok(new DoorAnswer("resent", resendStep)) : Results.Conflict(new DoorAnswer("not sent", "refunded order or the provider refused; see the timeline"));
    }

    /// <summary>POST /api/orders/{orderId}/cancel?reason=: stops the journey; no further mail.</summary>
    public async Task<IResult> CancelAsync(string orderId, string? reason, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 500)
        {
            return Results.BadRequest(new DoorAnswer("rejected", "a reason (1-500 characters) is required"));
        }

        if (!await StopAsync(client, orderId, reason, cancellationToken))
        {
            return Results.NotFound(new DoorAnswer("not found", "no running journey with this id"));
        }

        await crm.SetStatusAsync(orderId, OrderStatus.Cancelled, cancellationToken);
        await crm.MarkStepAsync(orderId, "cancelled", "cancelled", reason, cancellationToken);
        return Results.Ok(new DoorAnswer("cancelled", null));
    }

    /// <summary>POST /api/orders/{orderId}/rerun?reason=: starts the journey again from the start; only ever on purpose.</summary>
    public async Task<IResult> RerunAsync(string orderId, string? reason, string? buyerEmail, DurableTaskClient client, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > 500)
        {
            return Results.BadRequest(new DoorAnswer("rejected", "a reason (1-500 characters) is required"));
        }

        if (buyerEmail is not null && !BuyerEmail.IsDeliverable(buyerEmail))
        {
            return Results.BadRequest(new DoorAnswer("rejected", "buyerEmail must be one plain e-mail address"));
        }

        if (await client.GetInstanceAsync(orderId, getInputsAndOutputs: true, cancellationToken) is not { } journey
            || journey.ReadInputAs<JourneyInput>() is not { } input)
        {
            return Results.NotFound(new DoorAnswer("not found", "no journey with this id"));
        }

        await StopAsync(client, orderId, $"re-run: {reason}", cancellationToken);
        await client.WaitForInstanceCompletionAsync(orderId, cancellationToken);
        await client.PurgeInstanceAsync(orderId, cancellationToken);
        await crm.ForgetStepsAsync(orderId, cancellationToken);
        await crm.MarkStepAsync(orderId, "rerun-requested", "requested", reason, cancellationToken);
        // The seller may supply the address the payment lacked; it replaces the empty one for this run.
        if (buyerEmail is not null)
        {
            input = input with { Purchase = input.Purchase with { Buyer = input.Purchase.Buyer with { Email = buyerEmail.Trim() } } };
        }

        await starter.RestartAsync(client, input, cancellationToken);
        return Results.Accepted($"/api/orders/{orderId}", new DoorAnswer("restarted", null));
    }

    /// <summary>POST /api/reconcile?hours=: lists recent Stripe and Toss payments now and starts a journey for any whose webhook never arrived.</summary>
    public async Task<IResult> ReconcileAsync(string? hours, DurableTaskClient client, CancellationToken cancellationToken)
    {
        int lookbackHours = 24;
        if (!string.IsNullOrWhiteSpace(hours) && (!int.TryParse(hours, NumberStyles.None, CultureInfo.InvariantCulture, out lookbackHours) || lookbackHours is < 1 or > 24 * 30))
        {
            return Results.BadRequest(new DoorAnswer("rejected", "hours must be 1-720"));
        }

        return Results.Ok(await reconciler.ReconcileAsync(client, TimeSpan.FromHours(lookbackHours), cancellationToken));
    }

    private static async Task<bool> StopAsync(DurableTaskClient client, string id, string reason, CancellationToken cancellationToken)
    {
        OrchestrationMetadata? journey = await client.GetInstanceAsync(id, getInputsAndOutputs: false, cancellationToken);
        if (journey is null)
        {
            return false;
        }

        if (!journey.IsCompleted)
        {
            await client.TerminateInstanceAsync(id, reason, cancellationToken);
        }

        return true;
    }

    private static string? Stage(OrchestrationMetadata? journey) => journey?.SerializedCustomStatus?.Trim('"');

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static bool TryDate(string? text, out DateTimeOffset? value)
    {
        value = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        bool ok = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset parsed);
        value = ok ? parsed : null;
        return ok;
    }

    private static bool TryPageSize(string? text, out int pageSize)
    {
        pageSize = DefaultPageSize;
        return string.IsNullOrWhiteSpace(text)
            || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) && pageSize is >= 1 and <= MaxPageSize);
    }

    /// <summary>RFC 4180 quoting; a leading = + - @ is prefixed so a spreadsheet never runs a buyer-supplied formula.</summary>
    private static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (value[0] is '=' or '+' or '-' or '@')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Erased a buyer's data: {Orders} order(s)")]
    private static partial void LogErased(ILogger logger, int orders);
}

public sealed record OrderView(
    string OrderId,
    string? Stage,
    string? RuntimeStatus,
    DateTimeOffset? StartedAt,
    DateTimeOffset? LastUpdatedAt,
    IReadOnlyList<TimelineEntry> Timeline,
    OrderRecord? Crm);

public sealed record OrderSummary(
    string OrderId, string? Stage, string? RuntimeStatus, string Status, string? Sku, string ProductName,
    long AmountMinor, string Currency, DateTimeOffset PaidAt, string Channel);

public sealed record OrderList(IReadOnlyList<OrderSummary> Items, string? Continuation);

public sealed record TagEdit(IReadOnlyList<string>? Add, IReadOnlyList<string>? Remove);
