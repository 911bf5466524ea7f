using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using PostPurchase.Http;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.Hosts;

namespace PostPurchase.Tests.Reliability;

/// <summary>
/// The host dies the hard way (SIGKILL) twice: once while a welcome mail is in flight at SendGrid and the other journeys
/// sleep on their day-3 timers, once while every journey sleeps toward day 7. Started again on the same Azure Storage
/// task hub, every journey finishes and no buyer gets any mail twice.
/// </summary>
public sealed class CrashRecoveryTests(AzuriteFixture azurite)
{
    private const int Journeys = 8;
    private static readonly string[] MailSteps = ["welcome", "review-request", "reminder"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Journeys_killed_mid_step_and_asleep_all_complete_after_restarts_with_every_mail_sent_once()
    {
        await using FakeSendGrid sendGrid = await FakeSendGrid.StartAsync();
        TaskCompletionSource killed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        string? held = null;
        sendGrid.Answer = async (key, attempt) =>
        {
            // The first attempt of the held journey's welcome mail never gets an answer before the kill: the step is mid-flight.
            if (key == held && attempt == 1)
            {
                await killed.Task;
                return (503, null);
            }

            return (202, null);
        };

        // Day 3 comes 15 s after the payment, so the sleepers are still asleep through the first kill and restart, even on a busy machine.
        await using SelfHostProcess host = await SelfHostProcess.StartAsync(azurite, dayLengthSeconds: 5, sendGrid.Settings);
        List<string> ids = [];
        for (int i = 0; i < Journeys; i++)
        {
            (byte[] body, string id) = Payments.NewCheckout();
            if (i == 0)
            {
                held = Payments.Key(id, "welcome");
            }

            using HttpResponseMessage response = await PostAsync(host, body);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(Ct));
            ids.Add(id);
        }

        // Kill 1: seven journeys welcomed and asleep until day 3, one with its welcome mail in flight.
        await WaitAsync(host, ids.Skip(1), v => v.Timeline.Any(s => s.Step == "welcome"), "welcomed");
        await WaitUntilAsync(() => sendGrid.InFlight(held!) > 0);
        await host.KillAsync();
        killed.SetResult();
        await host.StartAgainAsync();

        // Kill 2: every journey past its review request, asleep toward day 7.
        await WaitAsync(host, ids, v => v.Timeline.Any(s => s.Step == "review-request"), "review requested", timeoutSeconds: 120);
        await host.KillAsync();
        await host.StartAgainAsync();

        List<OrderView> done = await WaitAsync(host, ids, v => v.RuntimeStatus == "Completed", "completed", timeoutSeconds: 180);
        int whole = 0;
        foreach (string id in ids)
        {
            bool once = MailSteps.All(step => sendGrid.AcceptedCount(Payments.Key(id, step)) == 1);
            whole += once && done.Single(v => v.OrderId == id).Stage == "closed-no-reply" ? 1 : 0;
        }

        Assert.Equal(3, host.Starts);
        Assert.Equal(Journeys * 3, sendGrid.Accepted.Count);
        Assert.Equal(1, sendGrid.AcceptedCount(held!));
        Figures.Report("journeys across two kill -9 restarts (completed, every mail once)", Journeys, whole);
    }

    private static async Task<HttpResponseMessage> PostAsync(SelfHostProcess host, byte[] body)
    {
        using ByteArrayContent content = new(body);
        content.Headers.ContentType = new("application/json");
        using HttpRequestMessage request = new(HttpMethod.Post, "/api/webhooks/stripe") { Content = content };
        request.Headers.Add("Stripe-Signature", SelfHostDriver.SignStripe(body, SelfHostDriver.StripeSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        return await host.Http.SendAsync(request, Ct);
    }

    private static async Task<List<OrderView>> WaitAsync(SelfHostProcess host, IEnumerable<string> ids, Func<OrderView, bool> done, string what, int timeoutSeconds = 60)
    {
        DateTime giveUp = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        Dictionary<string, OrderView?> last = [];
        while (true)
        {
            foreach (string id in ids)
            {
                using HttpResponseMessage response = await host.Http.GetAsync($"/api/orders/{id}", Ct);
                last[id] = response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<OrderView>(Ct) : null;
            }

            if (last.Values.All(v => v is not null && done(v)))
            {
                return [.. last.Values.Select(v => v!)];
            }

            if (DateTime.UtcNow > giveUp)
            {
                StringBuilder stuck = new();
                foreach ((string id, OrderView? v) in last.Where(p => p.Value is null || !done(p.Value)))
                {
                    stuck.AppendLine(CultureInfo.InvariantCulture, $"{id}: {v?.RuntimeStatus} {v?.Stage} [{string.Join(", ", v?.Timeline.Select(s => s.Step) ?? [])}]");
                }

                throw new TimeoutException($"Not all journeys {what} within {timeoutSeconds} s:\n{stuck}\nHost output:\n{host.Output()}");
            }

            await Task.Delay(250, Ct);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
