using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using PostPurchase.Crm;
using PostPurchase.Http;
using PostPurchase.Tests.Fixtures;

namespace PostPurchase.Tests.Hosts;

/// <summary>The seller's admin routes over HTTP on the real SelfHost: list views, CSV, tags, erasure, resend, cancel, re-run.</summary>
public sealed partial class AdminEndToEndTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Orders_list_filters_by_product_and_stage_and_pages()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 60);
        string[] ids = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => PayAsync(host, "stripe-checkout.session.completed-krw.json")));
        foreach (string id in ids)
        {
            await host.WaitForOrderAsync(id, v => v.Stage == "awaiting-day3");
        }

        OrderList all = (await host.Http.GetFromJsonAsync<OrderList>("/api/orders?product=notion-automation-pack-v2&stage=awaiting-day3", Ct))!;
        OrderList none = (await host.Http.GetFromJsonAsync<OrderList>("/api/orders?product=no-such-sku", Ct))!;
        OrderList oneByStage = (await host.Http.GetFromJsonAsync<OrderList>("/api/orders?stage=awaiting-day3&pageSize=1", Ct))!;
        OrderList noStage = (await host.Http.GetFromJsonAsync<OrderList>("/api/orders?stage=offer-sent&pageSize=1", Ct))!;
        OrderList first = (await host.Http.GetFromJsonAsync<OrderList>("/api/orders?pageSize=2", Ct))!;
        OrderList second = (await host.Http.GetFromJsonAsync<OrderList>($"/api/orders?pageSize=2&continuation={Uri.EscapeDataString(first.Continuation!)}", Ct))!;
        using HttpResponseMessage badDate = await host.Http.GetAsync("/api/orders?from=yesterday", Ct);
        using HttpResponseMessage madeUpPage = await host.Http.GetAsync("/api/orders?continuation=garbage", Ct);
        string altered = first.Continuation![..5] + (first.Continuation[5] == 'A' ? 'B' : 'A') + first.Continuation[6..];
        using HttpResponseMessage alteredPage = await host.Http.GetAsync($"/api/orders?pageSize=2&continuation={Uri.EscapeDataString(altered)}", Ct);
        using HttpResponseMessage otherList = await host.Http.GetAsync($"/api/customers?continuation={Uri.EscapeDataString(first.Continuation)}", Ct);
        using HttpResponseMessage madeUpCustomers = await host.Http.GetAsync($"/api/customers?continuation={Uri.EscapeDataString(Convert.ToBase64String("stripe-pi_zzz order"u8))}", Ct);

        Assert.Equal(ids.Order(), all.Items.Select(i => i.OrderId).Order());
        Assert.All(all.Items, i => Assert.Equal(39000, i.AmountMinor));
        Assert.Empty(none.Items);
        Assert.Single(oneByStage.Items);
        Assert.NotNull(oneByStage.Continuation);
        Assert.Empty(noStage.Items);
        Assert.Null(noStage.Continuation);   // every order looked at: no empty page that promises more
        Assert.Equal(3, first.Items.Count + second.Items.Count);
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
        Assert.Contains("from and to must be dates", await badDate.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, madeUpPage.StatusCode);
        Assert.Contains("continuation is not a page token", await madeUpPage.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, madeUpCustomers.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, alteredPage.StatusCode);   // signed: an edited token is not a shorter list
        Assert.Equal(HttpStatusCode.BadRequest, otherList.StatusCode);     // nor is one from the other list
    }

    [Fact]
    public async Task Customers_export_as_csv_with_a_bom_korean_names_and_no_spreadsheet_formulas()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 60);
        string korean = await PayAsync(host, "stripe-checkout.session.completed-krw.json");
        string english = await PayAsync(host, "stripe-checkout.session.completed-usd.json", name: "=HYPERLINK(\"http://evil.example\")");
        await host.WaitForOrderAsync(korean, v => v.Crm is not null);
        await host.WaitForOrderAsync(english, v => v.Crm is not null);

        using HttpRequestMessage request = new(HttpMethod.Get, "/api/customers?channel=stripe");
        request.Headers.Accept.ParseAdd("text/csv");
        using HttpResponseMessage response = await host.Http.SendAsync(request, Ct);
        byte[] bytes = await response.Content.ReadAsByteArrayAsync(Ct);
        string csv = Encoding.UTF8.GetString(bytes[3..]);

        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Encoding.UTF8.GetPreamble(), bytes[..3]);
        Assert.StartsWith("email,name,locale,tags,", csv, StringComparison.Ordinal);
        Assert.Contains("김민지", csv, StringComparison.Ordinal);
        Assert.Contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\"", csv, StringComparison.Ordinal);
        CustomerPage korean2 = (await host.Http.GetFromJsonAsync<CustomerPage>("/api/customers?tag=locale:ko&format=json", Ct))!;
        Assert.Equal(["minji.kim@example.com"], korean2.Items.Select(c => c.Email));
    }

    [Fact]
    public async Task Tags_are_added_and_removed_by_the_admin_api_and_bad_edits_are_refused()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 60);
        string id = await PayAsync(host, "stripe-checkout.session.completed-krw.json");
        string alex = await PayAsync(host, "stripe-checkout.session.completed-usd.json");
        await host.WaitForOrderAsync(id, v => v.Crm is not null);
        await host.WaitForOrderAsync(alex, v => v.Crm is not null);

        using HttpResponseMessage added = await host.Http.PostAsJsonAsync("/api/customers/minji.kim@example.com/tags", new { add = new[] { "vip", "cohort-3" } }, Ct);
        using HttpResponseMessage removed = await host.Http.PostAsJsonAsync("/api/customers/MINJI.KIM@example.com/tags", new { remove = new[] { "cohort-3" } }, Ct);
        using HttpResponseMessage comma = await host.Http.PostAsJsonAsync("/api/customers/minji.kim@example.com/tags", new { add = new[] { "a,b" } }, Ct);
        using HttpResponseMessage notJson = await host.Http.PostAsync("/api/customers/minji.kim@example.com/tags", new StringContent("{add:", Encoding.UTF8, "application/json"), Ct);
        using HttpResponseMessage nobody = await host.Http.PostAsJsonAsync("/api/customers/nobody@example.com/tags", new { add = new[] { "vip" } }, Ct);

        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        CustomerRecord after = (await removed.Content.ReadFromJsonAsync<CustomerRecord>(Ct))!;
        Assert.Contains("vip", after.Tags);
        Assert.DoesNotContain("cohort-3", after.Tags);
        Assert.Equal(HttpStatusCode.BadRequest, comma.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, nobody.StatusCode);

        // Alex's row comes first in the table and is not a vip: a one-row page still finds Minji.
        ResultPage<CustomerRecord> vips = (await host.Http.GetFromJsonAsync<ResultPage<CustomerRecord>>("/api/customers?tag=vip&pageSize=1", Ct))!;
        Assert.Equal("minji.kim@example.com", Assert.Single(vips.Items).Email);
    }

    [Fact]
    public async Task Erasing_a_buyer_removes_their_data_stops_their_journey_and_a_redelivery_does_not_recreate_it()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 60);
        (byte[] body, string id) = Fresh("stripe-checkout.session.completed-krw.json");
        await host.PostStripeAsync(body);
        await host.WaitForMailAsync(id, "welcome");

        using HttpResponseMessage expected = await host.Http.PostAsJsonAsync("/api/orders/expected",
            new { orderId = "ord_toss_erase", buyerEmail = "minji.kim@example.com", buyerName = "김민지", sku = "notion-automation-pack-v2" }, Ct);
        Assert.Equal(HttpStatusCode.OK, expected.StatusCode);
        CustomerRepository crm = host.Services.GetRequiredService<CustomerRepository>();
        Assert.NotNull(await crm.GetExpectedOrderAsync("ord_toss_erase", Ct));

        using HttpResponseMessage erased = await host.Http.DeleteAsync("/api/customers/minji.kim@example.com", Ct);
        using HttpResponseMessage redelivered = await host.PostStripeAsync(body);

        Assert.Equal(HttpStatusCode.OK, erased.StatusCode);
        Assert.Null(await host.GetOrderAsync(id));
        Assert.Null(await crm.GetExpectedOrderAsync("ord_toss_erase", Ct));
        Assert.Equal("already received", (await redelivered.Content.ReadFromJsonAsync<DoorAnswer>(Ct))!.Status);
        await Task.Delay(1500, Ct);
        Assert.Null(await host.GetOrderAsync(id));
        CustomerPage left = (await host.Http.GetFromJsonAsync<CustomerPage>("/api/customers", Ct))!;
        Assert.DoesNotContain(left.Items, c => c.Email == "minji.kim@example.com");
    }

    [Fact]
    public async Task A_resend_needs_a_reason_sends_the_step_again_and_records_why()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 60);
        string id = await PayAsync(host, "stripe-checkout.session.completed-krw.json");
        await host.WaitForMailAsync(id, "welcome");

        using HttpResponseMessage noReason = await host.Http.PostAsync($"/api/orders/{id}/resend/welcome", null, Ct);
        using HttpResponseMessage notAMail = await host.Http.PostAsync($"/api/orders/{id}/resend/refund?reason=x", null, Ct);
        using HttpResponseMessage resent = await host.Http.PostAsync($"/api/orders/{id}/resend/welcome?reason=buyer+lost+the+mail", null, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notAMail.StatusCode);
        Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
        string step = (await resent.Content.ReadFromJsonAsync<DoorAnswer>(Ct))!.Reason!;
        Assert.Single(host.Mails(id, step));
        Assert.Single(host.Mails(id, "welcome"));
        OrderView view = (await host.GetOrderAsync(id))!;
        Assert.Contains(view.Timeline, e => e.Step == $"{step}-requested" && e.Detail == "buyer lost the mail");
    }

    [Fact]
    public async Task Cancelling_stops_the_journey_and_a_rerun_starts_it_again_from_the_welcome_mail()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 60);
        string id = await PayAsync(host, "stripe-checkout.session.completed-usd.json");
        await host.WaitForOrderAsync(id, v => v.Stage == "awaiting-day3");

        using HttpResponseMessage cancelled = await host.Http.PostAsync($"/api/orders/{id}/cancel?reason=chargeback+dispute", null, Ct);
        OrderView stopped = await host.WaitForOrderAsync(id, v => v.RuntimeStatus == "Terminated");
        using HttpResponseMessage rerun = await host.Http.PostAsync($"/api/orders/{id}/rerun?reason=dispute+resolved", null, Ct);
        OrderView again = await host.WaitForOrderAsync(id, v => v.Stage == "awaiting-day3" && v.RuntimeStatus == "Running");

        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", stopped.Crm!.Status);
        Assert.Equal(HttpStatusCode.Accepted, rerun.StatusCode);
        Assert.Contains(again.Timeline, e => e.Step == "rerun-requested" && e.Detail == "dispute resolved");
        Assert.Contains(again.Timeline, e => e.Step == "welcome" && e.Outcome == "sent");
    }

    [Fact]
    public async Task The_dashboard_lists_recent_orders_with_their_stage_and_filters_them()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 60);
        string korean = await PayAsync(host, "stripe-checkout.session.completed-krw.json");
        string english = await PayAsync(host, "stripe-checkout.session.completed-usd.json", name: "<script>alert(1)</script>");
        await host.WaitForOrderAsync(korean, v => v.Stage == "awaiting-day3");
        await host.WaitForOrderAsync(english, v => v.Stage == "awaiting-day3");

        string page = await host.Http.GetStringAsync("/api/dashboard", Ct);
        string filtered = await host.Http.GetStringAsync("/api/dashboard?stage=offer-sent", Ct);
        using HttpResponseMessage badDate = await host.Http.GetAsync("/api/dashboard?from=soon", Ct);

        Assert.Contains(korean, page, StringComparison.Ordinal);
        Assert.Contains(english, page, StringComparison.Ordinal);
        Assert.Contains("노션 업무 자동화 템플릿 패키지", page, StringComparison.Ordinal);
        Assert.Contains("₩39,000", page, StringComparison.Ordinal);
        Assert.Contains("$29.00", page, StringComparison.Ordinal);
        Assert.Contains("awaiting-day3", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
        Assert.DoesNotContain(korean, filtered, StringComparison.Ordinal);
        Assert.Contains("No orders match.", filtered, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badDate.StatusCode);
        Assert.Contains("role=\"alert\"", await badDate.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_order_without_a_buyer_address_is_fixed_by_a_rerun_with_the_address_the_seller_found()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 60);
        (byte[] body, string id) = Fresh("stripe-checkout.session.completed-krw.json");
        body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("\"email\": \"minji.kim@example.com\"", "\"email\": \"minji.kim@example.com, x@example.com\"", StringComparison.Ordinal));
        await host.PostStripeAsync(body);
        OrderView review = await host.WaitForCompletionAsync(id);
        Assert.Equal("needs-buyer-email", review.Crm!.Status);
        Assert.Contains($"/api/orders/{id}/rerun", Assert.Single(host.SlackLines()), StringComparison.Ordinal);

        using HttpResponseMessage badAddress = await host.Http.PostAsync($"/api/orders/{id}/rerun?reason=found+it&buyerEmail=nope", null, Ct);
        using HttpResponseMessage rerun = await host.Http.PostAsync($"/api/orders/{id}/rerun?reason=buyer+replied+by+phone&buyerEmail=minji.kim@example.com", null, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, badAddress.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, rerun.StatusCode);
        Assert.Equal("minji.kim@example.com", (await host.WaitForMailAsync(id, "welcome")).To.Mailboxes.Single().Address);
    }

    [Theory]
    [InlineData("GET", "/api/dashboard")]
    [InlineData("GET", "/api/orders")]
    [InlineData("GET", "/api/customers")]
    [InlineData("POST", "/api/customers/a@example.com/tags")]
    [InlineData("DELETE", "/api/customers/a@example.com")]
    [InlineData("POST", "/api/orders/x/resend/welcome?reason=r")]
    [InlineData("POST", "/api/orders/x/cancel?reason=r")]
    [InlineData("POST", "/api/orders/x/rerun?reason=r")]
    [InlineData("POST", "/api/reconcile")]
    public async Task Every_admin_route_refuses_a_request_without_the_key(string method, string path)
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, backend: "Memory");
        using HttpClient anonymous = new() { BaseAddress = host.Http.BaseAddress };
        using HttpRequestMessage wrongKey = new(new HttpMethod(method), path);
        wrongKey.Headers.Add("x-admin-key", "guess");

        using HttpResponseMessage none = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct);
        using HttpResponseMessage wrong = await anonymous.SendAsync(wrongKey, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    private static async Task<string> PayAsync(SelfHostDriver host, string sample, string? name = null)
    {
        (byte[] body, string id) = Fresh(sample, name);
        using HttpResponseMessage response = await host.PostStripeAsync(body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return id;
    }

    /// <summary>A sample with its own payment id (and optionally another buyer name), so each order is new.</summary>
    private static (byte[] Body, string InstanceId) Fresh(string sample, string? name = null)
    {
        string text = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "samples", sample));
        string pi = $"pi_adm{Guid.NewGuid():N}";
        text = PaymentIntent().Replace(text, pi);
        if (name is not null)
        {
            text = text.Replace("\"name\": \"Alex Rivera\"", $"\"name\": {JsonSerializer.Serialize(name)}", StringComparison.Ordinal);
        }

        return (Encoding.UTF8.GetBytes(text), "stripe-" + pi);
    }

    [GeneratedRegex(@"\bpi_[A-Za-z0-9]+")]
    private static partial Regex PaymentIntent();

    private sealed record CustomerPage(IReadOnlyList<CustomerRecord> Items, string? Continuation);
}
