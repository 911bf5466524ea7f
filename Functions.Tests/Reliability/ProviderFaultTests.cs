using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using PostPurchase.Http;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.Hosts;
using PostPurchase.Tests.TestDoubles;

namespace PostPurchase.Tests.Reliability;

/// <summary>SendGrid throttles and refuses, Slack goes down: buyers still get each mail once, and the seller still hears.</summary>
public sealed class ProviderFaultTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_welcome_mail_answered_429_then_500_then_202_is_sent_once()
    {
        await using FakeSendGrid sendGrid = await FakeSendGrid.StartAsync();
        IReadOnlyDictionary<string, string>? throttled = new Dictionary<string, string>
        {
            ["X-RateLimit-Limit"] = "600",
            ["X-RateLimit-Remaining"] = "0",
            ["X-RateLimit-Reset"] = DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        };
        sendGrid.Answer = (key, attempt) => Task.FromResult(Script(key, attempt));

        (int, IReadOnlyDictionary<string, string>?) Script(string key, int attempt)
        {
            if (!key.EndsWith(":welcome", StringComparison.Ordinal))
            {
                return (202, null);
            }

            return attempt switch { 1 => (429, throttled), 2 => (500, null), _ => (202, null) };
        }

        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, "Memory", dayLengthSeconds: 5, extra: sendGrid.Settings);
        (byte[] body, string id) = Payments.NewCheckout();

        await host.PostStripeAsync(body);
        OrderView order = await host.WaitForOrderAsync(id, v => v.Timeline.Any(s => s.Step == "welcome"));

        string key = Payments.Key(id, "welcome");
        int[] statuses = [.. sendGrid.Calls.Where(c => c.Key == key).Select(c => c.Status)];
        Assert.Equal([429, 500, 202], statuses);
        Assert.Equal("sent", order.Timeline.Single(s => s.Step == "welcome").Outcome);
        Assert.Equal("active", order.Crm!.Status);
        Assert.Empty(host.SlackLines());
        Figures.Report("welcome mail through 429, 500, 202 (sent once)", tried: statuses.Length, held: statuses.Length - Math.Abs(1 - sendGrid.AcceptedCount(key)));
    }

    [Fact]
    public async Task A_welcome_mail_refused_with_400_is_not_retried_marks_the_order_mail_failed_and_alerts_the_seller()
    {
        await using FakeSendGrid sendGrid = await FakeSendGrid.StartAsync();
        sendGrid.Answer = (key, _) => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((key.EndsWith(":welcome", StringComparison.Ordinal) ? 400 : 202, null));
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, "Memory", dayLengthSeconds: 1, extra: sendGrid.Settings);
        (byte[] body, string id) = Payments.NewCheckout();

        await host.PostStripeAsync(body);
        // Day 3 is 3 s away: by the review request, any retry of the welcome mail (first after 1 s) would have happened.
        await sendGrid.WaitForAcceptedAsync(Payments.Key(id, "review-request"));
        OrderView order = (await host.GetOrderAsync(id))!;

        Assert.Single(sendGrid.Calls, c => c.Key == Payments.Key(id, "welcome"));
        Assert.Equal("mail-failed", order.Crm!.Status);
        Assert.Equal("failed", order.Timeline.Single(s => s.Step == "welcome").Outcome);
        string alert = Assert.Single(host.SlackLines());
        Assert.Contains(id, alert, StringComparison.Ordinal);
        Assert.Contains("welcome", alert, StringComparison.Ordinal);
        Figures.Report("welcome mail refused with 400 (one attempt, mail-failed, seller alerted, journey went on)", tried: 4, held: 4);
    }

    [Fact]
    public async Task While_slack_is_down_journeys_go_on_and_the_alerts_arrive_once_after_it_recovers()
    {
        DateTimeOffset recovery = DateTimeOffset.MaxValue;
        ConcurrentQueue<(DateTimeOffset At, int Status, string Body)> posts = new();
        await using LocalHttpServer slack = await LocalHttpServer.StartAsync(async (request, context) =>
        {
            bool down = DateTimeOffset.UtcNow < recovery;
            context.Response.StatusCode = down ? 503 : 200;
            posts.Enqueue((DateTimeOffset.UtcNow, context.Response.StatusCode, request.BodyText));
            await context.Response.WriteAsync(down ? "service_unavailable" : "ok", context.RequestAborted);
        });
        await using FakeSendGrid sendGrid = await FakeSendGrid.StartAsync();
        Dictionary<string, string?> settings = new(sendGrid.Settings) { ["Slack:WebhookUrl"] = slack.BaseUrl + "/services/T000/B000/XXXX" };
        // A day of 2 s makes the first retry 1 s; five attempts then span 1 + 2 + 4 + 8 = 15 s, longer than the outage.
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, "Memory", dayLengthSeconds: 2, extra: settings);
        recovery = DateTimeOffset.UtcNow.AddSeconds(6);
        (byte[] unknown, string unknownId) = Payments.NewCheckout(sku: "not-in-the-catalog");
        (byte[] normal, string normalId) = Payments.NewCheckout();

        await host.PostStripeAsync(unknown);
        await host.PostStripeAsync(normal);
        await sendGrid.WaitForAcceptedAsync(Payments.Key(normalId, "welcome"));
        DateTimeOffset welcomed = sendGrid.Accepted.Single(c => c.Key == Payments.Key(normalId, "welcome")).At;
        OrderView closed = await host.WaitForOrderAsync(unknownId, v => v.RuntimeStatus == "Completed", timeoutSeconds: 60);

        (DateTimeOffset At, int Status, string Body)[] delivered = [.. posts.Where(p => p.Status == 200 && p.Body.Contains(unknownId, StringComparison.Ordinal))];
        int refused = posts.Count(p => p.Status == 503);
        Assert.True(welcomed < recovery, "the other buyer's welcome mail waited for Slack");
        Assert.True(refused >= 2, $"Slack refused only {refused} posts: the outage was not exercised");
        Assert.Single(delivered);
        Assert.True(delivered[0].At >= recovery);
        Assert.Equal("needs-review", closed.Stage);
        Assert.Equal("posted", closed.Timeline.Single(s => s.Step.StartsWith("alert", StringComparison.Ordinal)).Outcome);
        Figures.Report($"seller alert through a Slack outage ({refused} refused posts), journeys unblocked", tried: 2, held: (delivered.Length == 1 ? 1 : 0) + (welcomed < recovery ? 1 : 0));
    }
}
