using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Time.Testing;
using PostPurchase.Infrastructure;
using PostPurchase.Mail;
using PostPurchase.Notifications;
using PostPurchase.Tests.TestDoubles;

namespace PostPurchase.Tests.Notifications;

public sealed class SlackNotifierTests
{
    // The path of an incoming-webhook URL is the secret; it must never surface in an exception or a log.
    private const string WebhookPath = "/services/T0000/B0000/s3cr3tWebhookToken";

    private const string HostileComment = "<!channel> 환불해 주세요 @here <https://evil.example|click>";

    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Alert_arrives_as_Block_Kit_with_headline_fields_and_the_buyer_comment_quoted()
    {
        await using LocalHttpServer slack = await LocalHttpServer.StartAsync(SlackAnswersLikeSlack);
        await using ServiceProvider services = Services(slack.BaseUrl + WebhookPath);

        await services.GetRequiredService<SlackNotifier>().PostAsync(UnhappyAlert("설명과 내용이 달라요.\n환불 가능할까요?"), Ct);

        RecordedRequest request = Assert.Single(slack.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal(WebhookPath, request.PathAndQuery);
        JsonNode expected = JsonNode.Parse("""
            {
              "text": "불만족 리뷰가 들어왔어요\n주문: stripe-cs_test_1\n구매자: 김민지 &lt;minji@example.com&gt;\n점수: 2 / 5",
              "blocks": [
                { "type": "header", "text": { "type": "plain_text", "text": "불만족 리뷰가 들어왔어요", "emoji": true } },
                { "type": "section", "fields": [
                  { "type": "mrkdwn", "text": "*주문*\nstripe-cs_test_1", "verbatim": true },
                  { "type": "mrkdwn", "text": "*구매자*\n김민지 &lt;minji@example.com&gt;", "verbatim": true },
                  { "type": "mrkdwn", "text": "*점수*\n2 / 5", "verbatim": true }
                ] },
                { "type": "section", "text": { "type": "mrkdwn", "text": ">설명과 내용이 달라요.\n>환불 가능할까요?", "verbatim": true } }
              ]
            }
            """)!;
        Assert.Equal(expected.ToJsonString(Readable), JsonNode.Parse(request.Body)!.ToJsonString(Readable));

        // Hangul travels as Hangul, not \uXXXX escapes: what a person reading the raw body (or a proxy log) sees.
        Assert.Contains("환불 가능할까요?", request.BodyText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alert_without_buyer_text_has_no_quote_section()
    {
        await using LocalHttpServer slack = await LocalHttpServer.StartAsync(SlackAnswersLikeSlack);
        await using ServiceProvider services = Services(slack.BaseUrl + WebhookPath);

        await services.GetRequiredService<SlackNotifier>().PostAsync(UnhappyAlert(buyerText: "   "), Ct);

        JsonArray blocks = Blocks(Assert.Single(slack.Requests));
        Assert.Equal(["header", "section"], blocks.Select(b => (string)b!["type"]!));
        Assert.Null(blocks[1]!["text"]);
    }

    [Fact]
    public async Task Buyer_text_cannot_ping_the_channel_or_render_a_link()
    {
        await using LocalHttpServer slack = await LocalHttpServer.StartAsync(SlackAnswersLikeSlack);
        await using ServiceProvider services = Services(slack.BaseUrl + WebhookPath);
        SlackAlert alert = new(
            "pp-stripe-cs_test_2:alert-unhappy",
            "불만족 리뷰가 들어왔어요",
            [new("구매자", "<@U123> & <#C999>"), new("코멘트", HostileComment)],
            HostileComment);

        await services.GetRequiredService<SlackNotifier>().PostAsync(alert, Ct);

        RecordedRequest request = Assert.Single(slack.Requests);
        List<string> texts = [.. MrkdwnTexts(JsonNode.Parse(request.Body)!)];
        Assert.Equal(4, texts.Count); // fallback, two fields, the quote
        foreach (string text in texts)
        {
            // No raw "<" survives, so no <!channel>, <@U…>, <#C…> or <url|label> can be parsed; a bare @here/@channel is broken by a joiner.
            Assert.DoesNotContain("<", text, StringComparison.Ordinal);
            Assert.DoesNotContain("@here", text, StringComparison.Ordinal);
            Assert.DoesNotContain("@channel", text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("<!channel>", request.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("<https", request.BodyText, StringComparison.Ordinal);
        Assert.DoesNotContain("<@U123>", request.BodyText, StringComparison.Ordinal);

        // …and yet the seller reads exactly what the buyer wrote.
        string quote = texts[^1];
        Assert.Equal(">&lt;!channel&gt; 환불해 주세요 @\u2060here &lt;https://evil.example|click&gt;", quote);
        Assert.Equal(HostileComment, AsSellerSees(quote[1..]));
        Assert.Equal("*구매자*\n&lt;@U123&gt; &amp; &lt;#C999&gt;", texts[1]);
    }

    [Theory]
    [InlineData("@channel 도와주세요", "@\u2060channel 도와주세요")]
    [InlineData("hey @HERE and @everyone!", "hey @\u2060HERE and @\u2060everyone!")]
    [InlineData("mail me at minji@example.com", "mail me at minji@example.com")]
    [InlineData("@channels is not a mention but stays readable", "@channels is not a mention but stays readable")]
    public void A_bare_mention_gets_an_invisible_word_joiner(string buyerText, string expectedQuote)
    {
        SlackMessage message = SlackNotifier.Compose(new SlackAlert("k:alert", "h", [], buyerText));

        Assert.Equal(">" + expectedQuote, message.Blocks[^1].Text!.Text);
    }

    [Fact]
    public async Task Oversized_texts_are_cut_to_Slack_limits_without_breaking_an_escape_or_a_character()
    {
        await using LocalHttpServer slack = await LocalHttpServer.StartAsync(SlackAnswersLikeSlack);
        await using ServiceProvider services = Services(slack.BaseUrl + WebhookPath);
        // Odd-length prefixes put the naive cut points in the middle of an emoji or an entity.
        string headline = "주문 확인: " + string.Concat(Enumerable.Repeat("환불 요청 😡 ", 40));
        string comment = string.Concat(Enumerable.Repeat("A&B ", 300)) + "x" + string.Concat(Enumerable.Repeat("😡", 2000));
        List<SlackField> fields = [.. Enumerable.Range(1, 12).Select(i => new SlackField($"항목 {i}", "ab" + new string('<', 2500)))];

        // The fake answers 400 invalid_blocks to anything over Slack's limits, so this passing means Slack would take it.
        await services.GetRequiredService<SlackNotifier>().PostAsync(new SlackAlert("k:alert-long", headline, fields, comment), Ct);

        JsonArray blocks = Blocks(Assert.Single(slack.Requests));
        string header = (string)blocks[0]!["text"]!["text"]!;
        Assert.InRange(header.Length, 140, 150);
        Assert.EndsWith("…", header, StringComparison.Ordinal);
        Assert.Equal([10, 2], blocks.Skip(1).Take(2).Select(b => b!["fields"]!.AsArray().Count));
        string firstField = (string)blocks[1]!["fields"]![0]!["text"]!;
        Assert.InRange(firstField.Length, 1990, 2000);
        Assert.Matches(@"^\*항목 1\*\nab(&lt;)+…$", firstField);

        string quote = (string)blocks[3]!["text"]!["text"]!;
        Assert.InRange(quote.Length, 2990, 3000);
        Assert.EndsWith("…", quote, StringComparison.Ordinal);
        Assert.Matches(@"^>(A&amp;B )+x(😡)+…$", quote);
        foreach (string text in new[] { header, firstField, quote })
        {
            Assert.False(HasLoneSurrogate(text), "a cut split a surrogate pair");
        }
    }

    [Theory]
    [InlineData(400, "invalid_payload")]
    [InlineData(403, "action_prohibited")]
    [InlineData(404, "channel_not_found")]
    [InlineData(410, "channel_is_archived")]
    public async Task A_refusing_webhook_is_a_permanent_failure_after_exactly_one_request(int status, string slackError)
    {
        await using LocalHttpServer slack = await LocalHttpServer.StartAsync((_, context) => Answer(context, status, slackError));
        await using ServiceProvider services = Services(slack.BaseUrl + WebhookPath);

        PermanentDeliveryException refused = await Assert.ThrowsAsync<PermanentDeliveryException>(
            () => services.GetRequiredService<SlackNotifier>().PostAsync(UnhappyAlert("별로예요"), Ct));

        Assert.Single(slack.Requests);
        Assert.Contains(status.ToString(CultureInfo.InvariantCulture), refused.Message, StringComparison.Ordinal);
        Assert.Contains(slackError, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3tWebhookToken", refused.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(slack.BaseUrl, refused.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Throttling_is_retryable_and_carries_Slack_Retry_After()
    {
        await using LocalHttpServer slack = await LocalHttpServer.StartAsync(
            (_, context) => Answer(context, 429, "rate_limited", retryAfter: "3"));
        await using ServiceProvider services = Services(slack.BaseUrl + WebhookPath);

        SlackRetryException throttled = await Assert.ThrowsAsync<SlackRetryException>(
            () => services.GetRequiredService<SlackNotifier>().PostAsync(UnhappyAlert("별로예요"), Ct));

        Assert.Equal(TimeSpan.FromSeconds(3), throttled.RetryAfter);
        Assert.Single(slack.Requests); // the resilience handler must not replay a POST that Slack may count
        Assert.DoesNotContain("s3cr3tWebhookToken", throttled.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Retry_After_given_as_a_date_is_measured_from_the_clock()
    {
        FakeTimeProvider clock = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        string at = clock.GetUtcNow().AddSeconds(10).ToString("R", CultureInfo.InvariantCulture);
        await using LocalHttpServer slack = await LocalHttpServer.StartAsync((_, context) => Answer(context, 503, "", retryAfter: at));
        await using ServiceProvider services = Services(slack.BaseUrl + WebhookPath, time: clock);

        SlackRetryException unavailable = await Assert.ThrowsAsync<SlackRetryException>(
            () => services.GetRequiredService<SlackNotifier>().PostAsync(UnhappyAlert("별로예요"), Ct));

        Assert.Equal(TimeSpan.FromSeconds(10), unavailable.RetryAfter);
    }

    [Fact]
    public async Task Server_error_is_retryable_after_exactly_one_request()
    {
        await using LocalHttpServer slack = await LocalHttpServer.StartAsync((_, context) => Answer(context, 500, "internal_error"));
        await using ServiceProvider services = Services(slack.BaseUrl + WebhookPath);

        SlackRetryException failed = await Assert.ThrowsAsync<SlackRetryException>(
            () => services.GetRequiredService<SlackNotifier>().PostAsync(UnhappyAlert("별로예요"), Ct));

        Assert.Null(failed.RetryAfter);
        Assert.Contains("500", failed.Message, StringComparison.Ordinal);
        Assert.Single(slack.Requests);
    }

    [Fact]
    public async Task Without_a_webhook_alerts_are_appended_to_a_readable_JSON_Lines_file()
    {
        string folder = Path.Combine(Path.GetTempPath(), "slack-sink-" + Guid.NewGuid().ToString("N"));
        string sink = Path.Combine(folder, "nested", "alerts.jsonl");
        FakeTimeProvider clock = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        try
        {
            await using ServiceProvider services = Services(webhookUrl: "", sinkPath: sink, time: clock);
            SlackNotifier notifier = services.GetRequiredService<SlackNotifier>();

            await notifier.PostAsync(UnhappyAlert(HostileComment), Ct);
            clock.Advance(TimeSpan.FromMinutes(5));
            await notifier.PostAsync(new SlackAlert("pp-stripe-cs_test_9:alert-needs-review", "주문 확인이 필요해요", [new("주문", "stripe-cs_test_9")]), Ct);

            string raw = await File.ReadAllTextAsync(sink, Ct);
            string[] lines = raw.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(2, lines.Length);
            Assert.EndsWith("\n", raw, StringComparison.Ordinal);
            Assert.Contains("김민지", raw, StringComparison.Ordinal); // readable Hangul, not \uAE40…
            Assert.Contains("환불해 주세요", raw, StringComparison.Ordinal);
            Assert.DoesNotContain("<!channel>", raw, StringComparison.Ordinal);

            JsonNode first = JsonNode.Parse(lines[0])!;
            JsonNode second = JsonNode.Parse(lines[1])!;
            Assert.Equal(["idempotencyKey", "postedAt", "text", "blocks"], first.AsObject().Select(p => p.Key));
            Assert.Equal("pp-stripe-cs_test_1:alert-unhappy", (string)first["idempotencyKey"]!);
            Assert.Equal(clock.Start, DateTimeOffset.Parse((string)first["postedAt"]!, CultureInfo.InvariantCulture));
            Assert.Equal("pp-stripe-cs_test_9:alert-needs-review", (string)second["idempotencyKey"]!);
            Assert.Equal(clock.Start.AddMinutes(5), DateTimeOffset.Parse((string)second["postedAt"]!, CultureInfo.InvariantCulture));
            Assert.Equal("불만족 리뷰가 들어왔어요", (string)first["blocks"]![0]!["text"]!["text"]!);
            Assert.Equal(HostileComment, AsSellerSees(((string)first["blocks"]![2]!["text"]!["text"]!)[1..]));
            Assert.Equal(2, second["blocks"]!.AsArray().Count);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Concurrent_alerts_each_land_whole_on_their_own_line()
    {
        string folder = Path.Combine(Path.GetTempPath(), "slack-sink-" + Guid.NewGuid().ToString("N"));
        string sink = Path.Combine(folder, "alerts.jsonl");
        try
        {
            await using ServiceProvider services = Services(webhookUrl: null, sinkPath: sink);
            string longComment = string.Concat(Enumerable.Repeat("내용이 기대와 달라요. ", 120));

            // Separate notifier instances, as the typed-client factory hands out: the lock must still hold.
            await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
                services.GetRequiredService<SlackNotifier>().PostAsync(new SlackAlert($"order-{i}:alert", "불만족", [], longComment), Ct)));

            string[] lines = (await File.ReadAllTextAsync(sink, Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(40, lines.Length);
            Assert.Equal(
                Enumerable.Range(0, 40).Select(i => $"order-{i}:alert").Order(StringComparer.Ordinal),
                lines.Select(l => (string)JsonNode.Parse(l)!["idempotencyKey"]!).Order(StringComparer.Ordinal));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static SlackAlert UnhappyAlert(string? buyerText) => new(
        "pp-stripe-cs_test_1:alert-unhappy",
        "불만족 리뷰가 들어왔어요",
        [new("주문", "stripe-cs_test_1"), new("구매자", "김민지 <minji@example.com>"), new("점수", "2 / 5")],
        buyerText);

    /// <summary>The composition root's registration, verbatim, so the resilience handler is part of what is tested.</summary>
    private static ServiceProvider Services(string? webhookUrl, string sinkPath = ".slack/alerts.jsonl", TimeProvider? time = null)
    {
        ServiceCollection services = new();
        services.AddLogging();
        services.AddSingleton(time ?? TimeProvider.System);
        services.Configure<SlackOptions>(o =>
        {
            o.WebhookUrl = webhookUrl;
            o.SinkPath = sinkPath;
        });
        services.AddHttpClient<SlackNotifier>().AddStandardResilienceHandler(o => o.Retry.DisableForUnsafeHttpMethods());
        return services.BuildServiceProvider(validateScopes: true);
    }

    /// <summary>Slack's incoming webhook as far as it matters here: JSON only, Block Kit limits enforced, "ok" on success.</summary>
    private static Task SlackAnswersLikeSlack(RecordedRequest request, HttpContext context)
    {
        if (!request.Headers.TryGetValue("Content-Type", out string? type) || !type.StartsWith("application/json", StringComparison.Ordinal))
        {
            return Answer(context, 400, "invalid_payload");
        }

        JsonNode? message;
        try
        {
            message = JsonNode.Parse(request.Body);
        }
        catch (JsonException)
        {
            return Answer(context, 400, "invalid_payload");
        }

        if (message?["text"] is null && message?["blocks"] is null)
        {
            return Answer(context, 400, "no_text");
        }

        bool fits = BlocksWithinLimits(message!["blocks"]?.AsArray() ?? []);
        return Answer(context, fits ? 200 : 400, fits ? "ok" : "invalid_blocks");
    }

    private static bool BlocksWithinLimits(JsonArray blocks)
    {
        static bool Fits(JsonNode? text, int max) => text?["text"]?.GetValue<string>() is { Length: > 0 } s && s.Length <= max;

        return blocks.Count <= 50 && blocks.All(block => (string?)block!["type"] switch
        {
            "header" => (string?)block["text"]!["type"] == "plain_text" && Fits(block["text"], 150),
            "section" => (block["text"] is null || Fits(block["text"], 3000))
                && (block["fields"] is null || (block["fields"]!.AsArray().Count <= 10 && block["fields"]!.AsArray().All(f => Fits(f, 2000))))
                && (block["text"] is not null || block["fields"] is not null),
            _ => false,
        });
    }

    private static async Task Answer(HttpContext context, int status, string body, string? retryAfter = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html";
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        await context.Response.WriteAsync(body);
    }

    private static JsonArray Blocks(RecordedRequest request) => JsonNode.Parse(request.Body)!["blocks"]!.AsArray();

    /// <summary>Every string Slack parses as mrkdwn: the top-level text, section texts and field texts.</summary>
    private static IEnumerable<string> MrkdwnTexts(JsonNode message)
    {
        yield return (string)message["text"]!;
        foreach (JsonNode? block in message["blocks"]!.AsArray())
        {
            foreach (JsonNode? text in (block!["fields"]?.AsArray() ?? []).Append(block["text"]))
            {
                if (text is not null && (string?)text["type"] == "mrkdwn")
                {
                    yield return (string)text["text"]!;
                }
            }
        }
    }

    /// <summary>What Slack renders: entities decoded, the invisible joiner invisible.</summary>
    private static string AsSellerSees(string mrkdwn) => mrkdwn
        .Replace("\u2060", "", StringComparison.Ordinal)
        .Replace("&lt;", "<", StringComparison.Ordinal)
        .Replace("&gt;", ">", StringComparison.Ordinal)
        .Replace("&amp;", "&", StringComparison.Ordinal);

    private static bool HasLoneSurrogate(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return true;
            }
        }

        return false;
    }
}
