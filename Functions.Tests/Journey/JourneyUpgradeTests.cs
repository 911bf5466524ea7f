using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using PostPurchase.Http;
using PostPurchase.Infrastructure;
using PostPurchase.Journey;
using PostPurchase.Purchases;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.Hosts;

namespace PostPurchase.Tests.Journey;

/// <summary>
/// A deploy while buyers sleep on their day-3 timers: a journey started by the v1 orchestrator, asleep when
/// v1 stops, wakes under today's orchestrator on the same task hub (Azure Storage on Azurite) and finishes on
/// the v1 path with one welcome mail, while a new order runs today's version.
/// </summary>
public sealed partial class JourneyUpgradeTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_v1_journey_asleep_on_its_day_3_timer_finishes_under_the_new_code_without_a_second_welcome()
    {
        string unique = Guid.NewGuid().ToString("N")[..10];
        string folder = Directory.CreateTempSubdirectory("upgrade").FullName;
        Dictionary<string, string?> shared = new()
        {
            ["Durable:TaskHub"] = $"upgrade{unique}",
            ["Crm:TablePrefix"] = $"upgrade{unique}",
            ["SendGrid:OutboxPath"] = Path.Combine(folder, "outbox"),
            ["Slack:SinkPath"] = Path.Combine(folder, "slack.jsonl"),
        };
        string sleeper = $"stripe-pi_v1{unique}";

        // v1 is deployed: its starter stamped version 1 into the input, and the journey welcomes the buyer and sleeps.
        await using (SelfHostDriver v1 = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 2, extra: shared,
            tasks: registry => JourneyV1.Register(registry.AddPostPurchaseActivities())))
        {
            DurableTaskClient client = v1.Services.GetRequiredService<DurableTaskClient>();
            await client.ScheduleNewOrchestrationInstanceAsync(JourneyV1.Name, V1Input(sleeper, v1), new StartOrchestrationOptions(sleeper), Ct);
            await v1.WaitForOrderAsync(sleeper, v => v.Stage == JourneyStages.AwaitingDay3);
        }

        // The new version is deployed on the same task hub; the sleeper wakes under it.
        await using SelfHostDriver v2 = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 2, extra: shared);
        MimeMessage review = await v2.WaitForMailAsync(sleeper, "review-request");
        using HttpResponseMessage five = await v2.FollowAsync(SurveyLinks(review)[4]);
        OrderView finished = await v2.WaitForCompletionAsync(sleeper);

        Assert.Equal(HttpStatusCode.OK, five.StatusCode);
        Assert.Equal("Completed", finished.RuntimeStatus);
        Assert.Equal(JourneyStages.OfferSent, finished.Stage);
        Assert.Single(v2.Mails(sleeper, "welcome"));
        Assert.Single(v2.Mails(sleeper, "next-product-offer"));
        Assert.Equal(1, await InputVersionAsync(v2, sleeper));

        // A new order on the new code runs the new version.
        string fresh = await PayAsync(v2);
        await v2.WaitForMailAsync(fresh, "welcome");
        Assert.Equal(PostPurchaseJourney.CurrentVersion, await InputVersionAsync(v2, fresh));
    }

    private static JourneyInput V1Input(string id, SelfHostDriver host) => new(
        JourneyV1.Version,
        id,
        new Purchase("stripe", id["stripe-".Length..], "ord_v1", new Buyer("minji.kim@example.com", "김민지", "ko"),
            "notion-automation-pack-v2", "노션 업무 자동화 템플릿 패키지", Money.Of(39000, "KRW"), DateTimeOffset.UtcNow, "stripe"),
        host.Services.GetRequiredService<PostPurchase.Webhooks.JourneyStarter>().Schedule());

    private static async Task<int> InputVersionAsync(SelfHostDriver host, string id) =>
        (await host.Services.GetRequiredService<DurableTaskClient>().GetInstanceAsync(id, getInputsAndOutputs: true, Ct))!
            .ReadInputAs<JourneyInput>()!.Version;

    private static async Task<string> PayAsync(SelfHostDriver host)
    {
        string text = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "samples", "stripe-checkout.session.completed-krw.json"), Ct);
        string pi = $"pi_v2{Guid.NewGuid():N}";
        using HttpResponseMessage response = await host.PostStripeAsync(Encoding.UTF8.GetBytes(PaymentIntent().Replace(text, pi)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return "stripe-" + pi;
    }

    private static List<string> SurveyLinks(MimeMessage mail) =>
        [.. Href().Matches(mail.HtmlBody ?? "").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).Where(u => u.Contains("/api/survey/", StringComparison.Ordinal)).Distinct()];

    [GeneratedRegex(@"\bpi_[A-Za-z0-9]+")]
    private static partial Regex PaymentIntent();

    [GeneratedRegex("href=\"([^\"]+)\"")]
    private static partial Regex Href();
}
