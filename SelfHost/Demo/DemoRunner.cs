using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using MimeKit;
using PostPurchase.Crm;
using PostPurchase.Http;
using PostPurchase.Infrastructure;

namespace PostPurchase.SelfHost.Demo;

/// <summary>
/// `--demo`: sends the bundled Stripe samples, signed now with the local secret, to this host over HTTP and
/// prints each journey's timeline as it happens. The buyers' clicks come from a scripted buyer that reads the
/// real mails in the outbox and follows their links: Minji never opens her content (so she gets the day-7
/// reminder) and then rates 5 (offer); Alex opens his on day 1 and rates 2 (Slack alert to the seller).
/// </summary>
public sealed partial class DemoRunner(
    IHostApplicationLifetime lifetime,
    IOptions<DemoOptions> demo,
    IOptions<StripeOptions> stripe,
    IOptions<SendGridOptions> mail,
    IOptions<SlackOptions> slack,
    IOptions<AdminOptions> admin,
    IOptions<JourneyOptions> journey,
    IConfiguration configuration) : BackgroundService
{
    private readonly Stopwatch clock = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        TaskCompletionSource started = new();
        using (lifetime.ApplicationStarted.Register(() => started.SetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        string baseUrl = (configuration["Urls"] ?? "http://localhost:7071").Split(';')[0].TrimEnd('/');
        using HttpClient http = new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(baseUrl) };
        http.DefaultRequestHeaders.Add("x-admin-key", admin.Value.ApiKey);
        Say($"host {baseUrl}, Durable backend {configuration["Durable:Backend"] ?? "AzureStorage"}, one day = {journey.Value.DayLength.TotalSeconds:0.#} s, mail outbox {Path.GetFullPath(mail.Value.OutboxPath)}, Slack sink {Path.GetFullPath(slack.Value.SinkPath)}");

        int exitCode = 0;
        try
        {
            this.clock.Start();
            Buyer[] buyers =
            [
                new("stripe-checkout.session.completed-krw.json", "stripe-pi_3R2kAaExampleKRW0001", "Minji (ko)", OpensOnDay: null, Score: 5),
                new("stripe-checkout.session.completed-usd.json", "stripe-pi_3R2nBbExampleUSD0001", "Alex (en)", OpensOnDay: 1, Score: 2),
            ];
            foreach (Buyer buyer in buyers)
            {
                await this.SendSampleAsync(http, buyer, stoppingToken);
            }

            await Task.WhenAll(buyers.Select(b => this.FollowAsync(http, b, stoppingToken)));
            Say("both journeys finished. Mails: " + string.Join(", ", Directory.GetFiles(mail.Value.OutboxPath, "*.eml").Select(Path.GetFileName).Order(StringComparer.Ordinal)));
            if (File.Exists(slack.Value.SinkPath))
            {
                Say($"Slack alerts in {slack.Value.SinkPath}: {File.ReadAllLines(slack.Value.SinkPath).Length}");
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or InvalidOperationException)
        {
            Say($"demo failed: {ex.Message}");
            exitCode = 1;
        }

        Environment.ExitCode = exitCode;
        lifetime.StopApplication();
    }

    private async Task SendSampleAsync(HttpClient http, Buyer buyer, CancellationToken ct)
    {
        byte[] body = await File.ReadAllBytesAsync(Path.Combine(demo.Value.SamplesPath, buyer.Sample), ct);
        long t = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        byte[] signed = [.. Encoding.UTF8.GetBytes($"{t}."), .. body];
        byte[] mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(stripe.Value.WebhookSecret), signed);
        using ByteArrayContent content = new(body);
        content.Headers.ContentType = new("application/json");
        using HttpRequestMessage request = new(HttpMethod.Post, "/api/webhooks/stripe") { Content = content };
        request.Headers.Add("Stripe-Signature", $"t={t},v1={Convert.ToHexStringLower(mac)}");
        buyer.SentAt = DateTimeOffset.UtcNow;
        using HttpResponseMessage response = await http.SendAsync(request, ct);
        DoorAnswer? answer = await response.Content.ReadFromJsonAsync<DoorAnswer>(ct);
        this.Say($"POST /api/webhooks/stripe {buyer.Sample} (signed now with the local secret) → {(int)response.StatusCode} {answer?.Status}");
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"the webhook was refused: {answer?.Reason}");
        }
    }

    /// <summary>Polls the seller's order view, prints what is new, and plays the buyer's part.</summary>
    private async Task FollowAsync(HttpClient http, Buyer buyer, CancellationToken ct)
    {
        HashSet<string> seen = [];
        string? stage = null;
        TimeSpan deadline = this.clock.Elapsed + (journey.Value.DayLength * 20) + TimeSpan.FromSeconds(30);
        while (this.clock.Elapsed < deadline)
        {
            OrderView? view = await http.GetFromJsonAsync<OrderView>($"/api/orders/{buyer.InstanceId}", ct);
            if (view is null)
            {
                continue;
            }

            foreach (TimelineEntry step in view.Timeline.Where(s => seen.Add(s.Step)))
            {
                this.Say($"{buyer.Name,-10} step {step.Step}: {step.Outcome}{(step.Detail is null ? "" : $" — {step.Detail}")}");
                if (step.Step == "welcome" && buyer.SentAt is { } sent)
                {
                    this.Say($"{buyer.Name,-10} webhook sent → welcome mail handed to the outbox: {(step.At - sent).TotalMilliseconds:0} ms");
                }
            }

            if (view.Stage != stage)
            {
                stage = view.Stage;
                this.Say($"{buyer.Name,-10} stage → {stage} ({view.RuntimeStatus})");
            }

            await this.PlayBuyerAsync(http, buyer, seen, ct);
            if (view.RuntimeStatus is "Completed" or "Failed" or "Terminated")
            {
                this.Say($"{buyer.Name,-10} journey {view.RuntimeStatus}; CRM status {view.Crm?.Status}, tags {string.Join(",", view.Crm?.Tags ?? [])}");
                return;
            }

            await Task.Delay(250, ct);
        }

        throw new TimeoutException($"{buyer.Name}'s journey did not finish in time");
    }

    private async Task PlayBuyerAsync(HttpClient http, Buyer buyer, HashSet<string> seen, CancellationToken ct)
    {
        double day = this.Day;
        if (buyer.OpensOnDay is { } openDay && !buyer.Opened && day >= openDay && seen.Contains("welcome"))
        {
            buyer.Opened = true;
            string link = this.LinksIn(buyer, "welcome", "/api/go/").First();
            using HttpResponseMessage opened = await http.GetAsync(new Uri(link).PathAndQuery, ct);
            this.Say($"{buyer.Name,-10} scripted buyer opens the first access link in the welcome mail → {(int)opened.StatusCode} {opened.Headers.Location}");
        }

        // Minji answers only after her reminder; Alex the day after the review request.
        bool ready = buyer.OpensOnDay is null ? seen.Contains("reminder") : seen.Contains("review-request") && day >= 4;
        if (ready && !buyer.Replied)
        {
            buyer.Replied = true;
            string link = this.LinksIn(buyer, "review-request", "/api/survey/")[buyer.Score - 1];
            using HttpResponseMessage reply = await http.GetAsync(new Uri(link).PathAndQuery, ct);
            string title = TitleTag().Match(await reply.Content.ReadAsStringAsync(ct)).Groups[1].Value;
            this.Say($"{buyer.Name,-10} scripted buyer clicks score {buyer.Score} in the review mail → {(int)reply.StatusCode} \"{WebUtility.HtmlDecode(title)}\"");
        }
    }

    /// <summary>The links of one kind in a mail the outbox holds for this buyer, in order.</summary>
    private List<string> LinksIn(Buyer buyer, string step, string path)
    {
        string file = Directory.GetFiles(mail.Value.OutboxPath, "*.eml")
            .Single(f => MimeMessage.Load(f).Headers["X-PostPurchase-Key"] == $"{buyer.InstanceId}:{step}");
        string html = MimeMessage.Load(file).HtmlBody ?? "";
        return [.. HrefTag().Matches(html).Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).Where(u => u.Contains(path, StringComparison.Ordinal)).Distinct()];
    }

    private double Day => this.clock.Elapsed / journey.Value.DayLength;

    private void Say(string line) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{this.clock.Elapsed.TotalSeconds,6:0.0}s | day {this.Day,4:0.0}] {line}"));

    [GeneratedRegex("href=\"([^\"]+)\"")]
    private static partial Regex HrefTag();

    [GeneratedRegex("<title>([^<]*)</title>")]
    private static partial Regex TitleTag();

    private sealed record Buyer(string Sample, string InstanceId, string Name, int? OpensOnDay, int Score)
    {
        public DateTimeOffset? SentAt { get; set; }

        public bool Opened { get; set; }

        public bool Replied { get; set; }
    }
}

public sealed class DemoOptions
{
    public const string Section = "Demo";

    /// <summary>Where the bundled provider samples are (the test fixtures).</summary>
    public string SamplesPath { get; set; } = "Functions.Tests/Fixtures/samples";
}
