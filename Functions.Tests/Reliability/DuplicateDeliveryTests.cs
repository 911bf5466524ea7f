using System.Net;
using System.Net.Http.Json;
using PostPurchase.Http;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.Hosts;

namespace PostPurchase.Tests.Reliability;

/// <summary>Providers redeliver for days and sometimes all at once: every payment still makes one journey and one welcome mail.</summary>
public sealed class DuplicateDeliveryTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("AzureStorage")]
    [InlineData("Memory")]
    public async Task One_event_delivered_20_times_at_once_and_5_times_after_the_journey_ended_makes_one_journey_and_one_welcome_mail(string backend)
    {
        await using FakeSendGrid sendGrid = await FakeSendGrid.StartAsync();
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, backend, dayLengthSeconds: 0.2, extra: sendGrid.Settings);
        (byte[] body, string id) = Payments.NewCheckout();

        HttpResponseMessage[] burst = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => host.PostStripeAsync(body)));
        List<string> answers = [.. await Task.WhenAll(burst.Select(AnswerAsync))];
        OrderView done = await host.WaitForCompletionAsync(id);
        for (int i = 0; i < 5; i++)
        {
            using HttpResponseMessage late = await host.PostStripeAsync(body);
            answers.Add(await AnswerAsync(late));
        }

        await Task.Delay(1000, Ct);   // a second journey, if one had started, would have mailed by now
        int held = answers.Count(a => a == "200 already received") + Math.Min(1, answers.Count(a => a == "200 accepted"));
        Assert.Equal(1, answers.Count(a => a == "200 accepted"));
        Assert.Equal("Completed", done.RuntimeStatus);
        Assert.Equal(1, sendGrid.AcceptedCount(Payments.Key(id, "welcome")));
        Assert.Single(done.Timeline, s => s.Step == "welcome");
        Assert.Equal(1, (await host.GetOrderAsync(id))!.Timeline.Count(s => s.Step == "RecordPurchase"));
        Figures.Report($"duplicate deliveries ({backend})", tried: answers.Count, held: held);
    }

    private static async Task<string> AnswerAsync(HttpResponseMessage response)
    {
        using (response)
        {
            DoorAnswer? answer = response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<DoorAnswer>(Ct) : null;
            return $"{(int)response.StatusCode} {answer?.Status}";
        }
    }
}
