using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;
using PostPurchase.BuyerActions;
using PostPurchase.Crm;
using PostPurchase.Infrastructure;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.Hosts;

namespace PostPurchase.Tests.Reliability;

/// <summary>
/// Hostile requests at every door: forged or replayed signatures, stale clocks, wrong content types, truncated and huge
/// bodies, nesting and encoding bombs, injection in names, Table-key and control characters in ids, altered or
/// borrowed link tokens. Each must get a clean 4xx (or a safe outcome), never a 5xx, write nothing, and no buyer's
/// e-mail or name may reach the logs.
/// </summary>
public sealed class HostileInputTests(AzuriteFixture azurite)
{
    private const string SigningKey = "end-to-end-link-signing-key-0000000000000";
    private const string ScriptName = "<script>alert('pwned')</script><img src=x onerror=alert(1)> Mallory Xq";
    private const string MentionName = "<!channel> <!here> <@U024BE7LH> <https://evil.example/login|click to fix> Evelyn Zq";

    private static readonly string[] PublicPrefixes = ["/api/webhooks/", "/api/survey/", "/api/go/", "/api/unsubscribe/"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Forty_and_more_hostile_requests_across_every_door_get_a_clean_answer_write_nothing_and_leak_no_personal_data()
    {
        CapturedLogs logs = new();
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 0.3, extra: new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Debug",
            ["Logging:Console:LogLevel:Default"] = "Warning",
        }, logs: logs);

        // One real order, so the link doors have something to be tricked into touching.
        string realEmail = $"real.buyer.{Guid.NewGuid():N}@example.com";
        (byte[] realBody, string realId) = Payments.NewCheckout(email: realEmail, name: "Real Buyer Kim");
        Assert.Equal(HttpStatusCode.OK, (await host.PostStripeAsync(realBody)).StatusCode);
        MimeMessage review = await host.WaitForMailAsync(realId, "review-request");
        string surveyToken = TokenOf(Links(review.HtmlBody, "/api/survey/")[4]);
        string accessToken = TokenOf(Links((await host.WaitForMailAsync(realId, "welcome")).HtmlBody, "/api/go/")[0]);
        await host.WaitForCompletionAsync(realId);

        LinkSigner realSigner = Signer(SigningKey);
        LinkSigner otherSigner = Signer("someone-elses-link-signing-key-000000000000");
        string otherId = $"stripe-pi_other{Guid.NewGuid():N}";
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string hostileEmail = $"hostile.{Guid.NewGuid():N}@example.com";
        byte[] valid = Payments.NewCheckout(email: hostileEmail, name: "Hostile Buyer Park").Body;
        byte[] other = Payments.NewCheckout(email: hostileEmail).Body;
        string validSignature = SelfHostDriver.SignStripe(valid, SelfHostDriver.StripeSecret, now);

        // Safe outcomes: signed (so "from Stripe") but odd; these may write their own order and nothing else.
        (byte[] scriptBody, string scriptId) = Payments.NewCheckout(email: $"script.{Guid.NewGuid():N}@example.com", name: ScriptName);
        (byte[] mentionBody, string mentionId) = Payments.NewCheckout(email: $"mention.{Guid.NewGuid():N}@example.com", name: MentionName, sku: "not-in-the-catalog");
        (byte[] keyCharsBody, string keyCharsId) = Payments.NewCheckout(paymentIntent: $"pi_/\\#?\u0001\t\u007f{Guid.NewGuid():N}");
        (byte[] oddCurrencyBody, string oddCurrencyId) = Payments.NewCheckout(change: r => r["data"]!["object"]!["currency"] = "k/r#w?");
        (byte[] longIdBody, string longId) = Payments.NewCheckout(paymentIntent: "pi_" + new string('x', 5000));
        HashSet<string> allowedIds = [realId, scriptId, mentionId, keyCharsId, oddCurrencyId, longId];

        List<HostileCase> cases =
        [
            // Payment door: signatures and clocks.
            Webhook("forged signature (another secret)", valid, SelfHostDriver.SignStripe(valid, "whsec_attacker_secret", now)),
            Webhook("signature hex altered", valid, validSignature[..^1] + (validSignature[^1] == '0' ? '1' : '0')),
            Webhook("signature of another body replayed", other, validSignature),
            Webhook("stale timestamp (301 s)", valid, SelfHostDriver.SignStripe(valid, SelfHostDriver.StripeSecret, now - 301)),
            Webhook("timestamp an hour ahead", valid, SelfHostDriver.SignStripe(valid, SelfHostDriver.StripeSecret, now + 3600)),
            Webhook("replayed delivery from yesterday", valid, SelfHostDriver.SignStripe(valid, SelfHostDriver.StripeSecret, now - 86_400)),
            Webhook("no signature header", valid, null),
            Webhook("empty signature header", valid, ""),
            Webhook("signature header garbage", valid, "garbage;;==,,"),
            Webhook("non-numeric timestamp", valid, validSignature.Replace($"t={now}", "t=yesterday", StringComparison.Ordinal)),
            Webhook("only a v0 signature", valid, validSignature.Replace("v1=", "v0=", StringComparison.Ordinal)),
            Webhook("timestamp overflow", valid, "t=99999999999999999999999,v1=00"),
            Webhook("signature header of 8 KiB", valid, "t=1," + string.Join(',', Enumerable.Repeat("v1=" + new string('a', 64), 120))),

            // Payment door: bodies.
            Webhook("empty body, signed", [], SelfHostDriver.SignStripe([], SelfHostDriver.StripeSecret, now)),
            Webhook("truncated body, signed as sent", valid[..(valid.Length / 2)], SelfHostDriver.SignStripe(valid[..(valid.Length / 2)], SelfHostDriver.StripeSecret, now)),
            Webhook("truncated body, signature of the whole", valid[..(valid.Length / 2)], validSignature),
            Webhook("10 MiB body with a length", [.. valid, .. new byte[10 * 1024 * 1024]], validSignature) with { MayCloseEarly = true },
            new("10 MiB chunked body without a length", () => host.Http.SendAsync(Post("/api/webhooks/stripe", new StreamContent(new RepeatingStream(10 * 1024 * 1024)), validSignature), Ct)) { MayCloseEarly = true },
            Signed("JSON nested 100,000 deep", Encoding.UTF8.GetBytes(new string('[', 100_000) + new string(']', 100_000))),
            Signed("object nested 5,000 deep inside the event", Nest(valid, 5000)),
            Signed("invalid UTF-8", [.. valid[..20], 0xC3, 0x28, 0xFF, .. valid[20..]]),
            Signed("UTF-16 body (charset swap)", Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(valid))),
            Signed("UTF-32 BOM and body", [.. Encoding.UTF32.GetPreamble(), .. Encoding.UTF32.GetBytes("{}")]),
            Signed("overlong UTF-8 encodings", [.. "{\"id\":\""u8.ToArray(), 0xC0, 0xAF, 0xE0, 0x80, 0xAF, .. "\"}"u8.ToArray()]),
            new("charset bomb in content type", () => host.Http.SendAsync(Post("/api/webhooks/stripe", WithType(valid, "application/json; charset=" + new string('x', 4000)), "t=1,v1=00"), Ct)),
            new("form-encoded body", () => host.Http.SendAsync(Post("/api/webhooks/stripe", new FormUrlEncodedContent([new("type", "checkout.session.completed")]), validSignature), Ct)),
            new("multipart body", () => host.Http.SendAsync(Post("/api/webhooks/stripe", new MultipartFormDataContent { { new ByteArrayContent(valid), "file", "event.json" } }, validSignature), Ct)),
            new("XML body", () => host.Http.SendAsync(Post("/api/webhooks/stripe", WithType("<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaa\">]><x>&a;</x>"u8.ToArray(), "application/xml"), validSignature), Ct)),
            Signed("top-level JSON array", "[{\"type\":\"checkout.session.completed\"}]"u8.ToArray()),
            Signed("event with data null", Mutate(valid, r => r["data"] = null)),
            Signed("event object of the wrong kind", Mutate(valid, r => r["data"]!["object"] = new JsonObject { ["object"] = "charge", ["id"] = "ch_1" })),
            Signed("amount beyond Int64", Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(valid).Replace("\"amount_total\":39000", "\"amount_total\":99999999999999999999999999", StringComparison.Ordinal))),
            Signed("amount as a string", Mutate(valid, r => r["data"]!["object"]!["amount_total"] = "39000; DROP TABLE Orders")),
            Safe("currency not ISO (signed: recorded for the seller to review)", oddCurrencyBody),
            Safe("payment intent id of 5,000 characters (signed; the journey id keeps a hash of it)", longIdBody),
            new("GET on the payment door", () => host.Http.GetAsync("/api/webhooks/stripe", Ct)),

            // Payment door, signed and odd: a safe outcome is a normal order with everything escaped.
            Safe("HTML and script in the buyer's name", scriptBody),
            Safe("Slack mentions and links in the buyer's name", mentionBody),
            Safe("Table key characters / \\ # ? and control characters in the payment id", keyCharsBody),

            // Link doors.
            Link("survey token with one character changed", "/api/survey/" + Alter(surveyToken)),
            Link("survey token for another order (payload swapped, tag kept)", "/api/survey/" + SwapPayload(surveyToken, realSigner.Sign(new LinkClaim(LinkPurpose.Survey, otherId, 5)))),
            Link("survey token signed with another key", "/api/survey/" + otherSigner.Sign(new LinkClaim(LinkPurpose.Survey, realId, 1))),
            Link("survey score 9, validly signed", "/api/survey/" + realSigner.Sign(new LinkClaim(LinkPurpose.Survey, realId, 9))),
            Link("survey token for an order that does not exist", "/api/survey/" + realSigner.Sign(new LinkClaim(LinkPurpose.Survey, otherId, 5))),
            Link("access token used as a survey token", "/api/survey/" + accessToken),
            Link("survey token used as an access token", "/api/go/" + surveyToken),
            Link("access token for link 99", "/api/go/" + realSigner.Sign(new LinkClaim(LinkPurpose.Access, realId, 99))),
            Link("access token with Table key characters in its id", "/api/go/" + realSigner.Sign(new LinkClaim(LinkPurpose.Access, "stripe-pi/..\\#?\u0000", 0))),
            Link("access token signed with another key", "/api/go/" + otherSigner.Sign(new LinkClaim(LinkPurpose.Access, realId, 0))),
            Link("token of 3,000 characters", "/api/survey/" + new string('A', 1500) + "." + new string('B', 1500)),
            Link("token with encoded slashes and NUL", "/api/go/..%2F..%2Fetc%2Fpasswd%00.x"),
            Link("token with invalid percent-encoded UTF-8", "/api/survey/%C3%28%FF.%E0%80%AF"),
            Link("unsubscribe token altered", "/api/unsubscribe/" + Alter(realSigner.Sign(new LinkClaim(LinkPurpose.Unsubscribe, realId, 0)))),
            Link("survey token on the unsubscribe door", "/api/unsubscribe/" + surveyToken),
            new("unsubscribe by POST with a forged token", () => host.Http.PostAsync("/api/unsubscribe/" + otherSigner.Sign(new LinkClaim(LinkPurpose.Unsubscribe, realId, 0)), null, Ct)),

            // Admin doors (with the key): ids that are not ids.
            Link("order id with Table key characters", "/api/orders/a%2Fb%5Cc%23d%3Fe"),
            Link("order id with control characters", "/api/orders/%00%01%1F%7F"),
            Link("order id of 4,000 characters", "/api/orders/" + new string('o', 4000)),
            Link("instance status with Table key characters", "/runtime/webhooks/durabletask/instances/a%2Fb%5Cc%23d%3Fe%00"),
        ];
        cases.AddRange(GenericCases(host, cases));

        List<string> failures = [];
        foreach (HostileCase c in cases)
        {
            try
            {
                using HttpResponseMessage response = await c.Send();
                int status = (int)response.StatusCode;
                string text = await response.Content.ReadAsStringAsync(Ct);
                bool ok = c.Safe ? status == 200 : c.NoServerError ? status < 500 : status is >= 400 and < 500;
                if (!ok)
                {
                    failures.Add($"{c.Name}: {status} {Shorten(text)}");
                }
            }
            catch (HttpRequestException ex)
            {
                // Kestrel may refuse a huge body by answering early and closing while it is still being sent: clean, if the host lives on.
                if (!c.MayCloseEarly || !await IsAliveAsync(host))
                {
                    failures.Add($"{c.Name}: connection failed ({ex.Message})");
                }
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine("after the requests: " + string.Join('\n', failures));

        // The safe outcomes finish their journeys; everything they show must be escaped.
        Check(failures, "the unknown product's journey completed", await Eventually(() => host.WaitForCompletionAsync(mentionId)));
        Check(failures, "the key-character payment got its welcome mail", await Eventually(() => host.WaitForMailAsync(keyCharsId, "welcome")));
        string welcomeHtml = (await host.WaitForMailAsync(scriptId, "welcome")).HtmlBody ?? "";
        Check(failures, "script name escaped in the welcome mail", !welcomeHtml.Contains("<script", StringComparison.OrdinalIgnoreCase) && !welcomeHtml.Contains("<img src=x", StringComparison.OrdinalIgnoreCase));
        Check(failures, "the odd currency's journey completed", await Eventually(() => host.WaitForCompletionAsync(oddCurrencyId)));
        Check(failures, "two Slack alerts: the unknown product and the odd currency", host.SlackLines().Length == 2
            && host.SlackLines().Count(l => l.Contains("amount or currency is not a real one", StringComparison.Ordinal)) == 1);
        List<string> slackStrings = [.. host.SlackLines().SelectMany(line => Strings(JsonNode.Parse(line)))];
        Check(failures, "mentions and links escaped in Slack", slackStrings.Count > 0 && !slackStrings.Any(s => s.Contains("<!channel>", StringComparison.Ordinal) || s.Contains("<!here>", StringComparison.Ordinal) || s.Contains("<@U024BE7LH>", StringComparison.Ordinal) || s.Contains("<https://evil", StringComparison.Ordinal)));

        // Nothing half-written: the CRM holds only the orders that were allowed to exist, and no survey score was taken.
        TableClient orders = azurite.CreateTableServiceClient().GetTableClient(host.TablePrefix + CustomerRepository.OrdersTableName);
        HashSet<string> allowedPartitions = [.. allowedIds.Select(TableKeys.Encode)];
        List<string> strays = [];
        await foreach (TableEntity row in orders.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"], cancellationToken: Ct))
        {
            if (!allowedPartitions.Contains(row.PartitionKey))
            {
                strays.Add($"{row.PartitionKey}/{row.RowKey}");
            }
        }

        Check(failures, $"no stray CRM rows ({string.Join(", ", strays.Take(5))})", strays.Count == 0);
        Check(failures, "no survey score from a forged link", (await host.GetOrderAsync(realId))!.Crm!.SurveyScore is null);
        Check(failures, "no mail for a hostile buyer", !Directory.GetFiles(host.OutboxPath, "*.eml").Any(f => File.ReadAllText(f).Contains(hostileEmail, StringComparison.OrdinalIgnoreCase)));

        // The seller's own admin calls put a buyer's e-mail in the path and may put the key in the query: neither may reach the logs.
        using (StringContent tags = new("{\"add\":[\"vip\"]}", Encoding.UTF8, "application/json"))
        using (HttpResponseMessage tagged = await host.Http.PostAsync($"/api/customers/{realEmail}/tags?code={SelfHostDriver.AdminKey}", tags, Ct))
        {
            Check(failures, $"seller tags a customer by e-mail ({(int)tagged.StatusCode})", tagged.StatusCode == HttpStatusCode.OK);
        }

        // No personal data in the logs: no buyer's e-mail or name, from the real order or the hostile ones; no admin key.
        string[] personal = [SelfHostDriver.AdminKey, realEmail, "Real Buyer Kim", hostileEmail, "Hostile Buyer Park", "Mallory Xq", "Evelyn Zq", "minji.kim@example.com", "김민지"];
        foreach (string value in personal)
        {
            IReadOnlyList<string> leaks = logs.Containing(value);
            Check(failures, $"logs free of '{value}' ({leaks.Count} lines: {Shorten(leaks.Count > 0 ? leaks[0] : "")})", leaks.Count == 0);
        }

        Assert.True(logs.Lines.Count > 50, "the log capture saw almost nothing; the personal-data check would be vacuous");
        int tried = cases.Count;
        int held = tried - failures.Count(f => cases.Any(c => f.StartsWith(c.Name + ":", StringComparison.Ordinal)));
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join('\n', failures));
        Assert.True(tried >= 40, $"only {tried} hostile requests");
        Assert.Empty(failures);
        Figures.Report("hostile requests (clean 4xx or safe outcome, nothing written, no personal data logged)", tried, held);

        HostileCase Webhook(string name, byte[] body, string? signature) =>
            new(name, () => host.Http.SendAsync(Post("/api/webhooks/stripe", WithType(body, "application/json"), signature), Ct));

        HostileCase Signed(string name, byte[] body) =>
            Webhook(name, body, SelfHostDriver.SignStripe(body, SelfHostDriver.StripeSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

        HostileCase Safe(string name, byte[] body) => Signed(name, body) with { Safe = true };

        HostileCase Link(string name, string path) => new(name, () => host.Http.GetAsync(path, Ct));
    }

    /// <summary>Doors this test does not know by name (added later) still get the basics: odd ids, a huge body, a wrong content type.</summary>
    private static IEnumerable<HostileCase> GenericCases(SelfHostDriver host, List<HostileCase> known)
    {
        string[] covered = ["/api/webhooks/stripe", "/api/survey/{token}", "/api/go/{token}", "/api/unsubscribe/{token}", "/api/orders/{orderId}", "/runtime/webhooks/durabletask/instances/{instanceId}"];
        foreach (RouteEndpoint endpoint in host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            string pattern = endpoint.RoutePattern.RawText ?? "";
            if (covered.Contains(pattern, StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            string method = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods is [string first, ..] ? first : "GET";
            string path = System.Text.RegularExpressions.Regex.Replace(pattern, @"\{[^}]+\}", "%00a%2Fb%23c%3F");
            yield return new($"{method} {pattern} with odd ids", () => host.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path), Ct)) { NoServerError = true };
            if (method is "POST" or "PUT" or "PATCH" or "DELETE")
            {
                yield return new($"{method} {pattern} with 10 MiB of garbage", () => host.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
                {
                    Content = WithType(new byte[10 * 1024 * 1024], "application/json"),
                }, Ct)) { NoServerError = true, MayCloseEarly = true };
                yield return new($"{method} {pattern} with nested JSON", () => host.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
                {
                    Content = WithType(Encoding.UTF8.GetBytes(new string('[', 10_000) + new string(']', 10_000)), "application/json"),
                }, Ct)) { NoServerError = true };
            }
        }

        _ = known;
    }

    private static async Task<bool> Eventually(Func<Task> wait)
    {
        try
        {
            await wait();
            return true;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            return false;
        }
    }

    private static void Check(List<string> failures, string what, bool held)
    {
        if (!held)
        {
            failures.Add($"check failed: {what}");
        }
    }

    private static HttpRequestMessage Post(string path, HttpContent content, string? signature)
    {
        HttpRequestMessage request = new(HttpMethod.Post, path) { Content = content };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        }

        return request;
    }

    private static ByteArrayContent WithType(byte[] body, string contentType)
    {
        ByteArrayContent content = new(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private static byte[] Mutate(byte[] body, Action<JsonObject> change)
    {
        JsonObject root = JsonNode.Parse(body)!.AsObject();
        if (root["data"]?["object"] is JsonObject session)
        {
            session["payment_intent"] = $"pi_hostile{Guid.NewGuid():N}";   // one wrongly accepted case must not mask the next as a duplicate
        }

        change(root);
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static byte[] Nest(byte[] body, int depth)
    {
        string text = Encoding.UTF8.GetString(body);
        int close = text.LastIndexOf('}');
        return Encoding.UTF8.GetBytes(text[..close] + ",\"deep\":" + new string('[', depth) + new string(']', depth) + text[close..]);
    }

    private static LinkSigner Signer(string key) =>
        new(Options.Create(new LinksOptions { SigningKey = key, BaseUrl = SelfHostDriver.PublicBaseUrl }));

    private static string TokenOf(string link) => link[(link.LastIndexOf('/') + 1)..];

    private static string Alter(string token)
    {
        int i = token.IndexOf('.', StringComparison.Ordinal) + 3;
        return token[..i] + (token[i] == 'A' ? 'B' : 'A') + token[(i + 1)..];
    }

    /// <summary>Another claim's payload with this token's tag: what an attacker who edits the readable part gets.</summary>
    private static string SwapPayload(string token, string otherToken) =>
        otherToken[..otherToken.IndexOf('.', StringComparison.Ordinal)] + token[token.IndexOf('.', StringComparison.Ordinal)..];

    private static List<string> Links(string? html, string path) =>
        [.. System.Text.RegularExpressions.Regex.Matches(html ?? "", "href=\"([^\"]+)\"").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).Where(u => u.Contains(path, StringComparison.Ordinal)).Distinct()];

    private static IEnumerable<string> Strings(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => Strings(p.Value)),
        JsonArray a => a.SelectMany(Strings),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        _ => [],
    };

    private static string Shorten(string text) => text.Length <= 120 && !text.Contains('\n', StringComparison.Ordinal) ? text : text.Split('\n')[0][..Math.Min(120, text.Split('\n')[0].Length)] + "…";

    private sealed record HostileCase(string Name, Func<Task<HttpResponseMessage>> Send)
    {
        /// <summary>Signed and odd: a normal 200 with everything escaped is the right answer.</summary>
        public bool Safe { get; init; }

        /// <summary>A route this test knows nothing about: any answer but a 5xx.</summary>
        public bool NoServerError { get; init; }

        /// <summary>A huge body the server may refuse by closing the connection early.</summary>
        public bool MayCloseEarly { get; init; }
    }

    private static async Task<bool> IsAliveAsync(SelfHostDriver host)
    {
        using HttpResponseMessage probe = await host.Http.GetAsync("/api/orders/alive-probe", Ct);
        return probe.StatusCode == HttpStatusCode.NotFound;
    }

    /// <summary>A body of zeros of a given length, streamed without a Content-Length (chunked).</summary>
    private sealed class RepeatingStream(long length) : Stream
    {
        private long position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => this.position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, length - this.position);
            Array.Clear(buffer, offset, n);
            this.position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
