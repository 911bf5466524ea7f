using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace PostPurchase.Tests.TestDoubles;

/// <summary>Registers the code-page encodings (ks_c_5601-1987 / EUC-KR → 949) for the whole test run, as both Program.cs do.</summary>
internal static class CodePagesForTests
{
    [ModuleInitializer]
    internal static void Register() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
}

/// <summary>
/// Toss Payments' API as a local server: GET /v1/payments/{paymentKey} with Basic base64("{secretKey}:"), 200 with the
/// Payment object it holds, 404 NOT_FOUND_PAYMENT for anything else, 401 UNAUTHORIZED_KEY for a wrong key; and
/// GET /v1/transactions (startDate and endDate required, Seoul time without an offset; limit; startingAfter a transactionKey).
/// </summary>
public sealed class FakeTossApi : IAsyncDisposable
{
    public const string SecretKey = "test_sk_fixture_0000000000000000";

    private readonly LocalHttpServer server;

    private FakeTossApi(LocalHttpServer server) => this.server = server;

    /// <summary>paymentKey → the Payment object JSON Toss answers with.</summary>
    public ConcurrentDictionary<string, byte[]> Payments { get; } = new(StringComparer.Ordinal);

    /// <summary>The transaction ledger GET /v1/transactions pages through, oldest first: (transactionKey, paymentKey, status, Seoul time).</summary>
    public ConcurrentQueue<(string TransactionKey, string PaymentKey, string Status, DateTime TransactionAt)> Transactions { get; } = new();

    public ConcurrentQueue<RecordedRequest> Requests => this.server.Requests;

    public string BaseUrl => this.server.BaseUrl;

    public static async Task<FakeTossApi> StartAsync()
    {
        FakeTossApi? api = null;
        LocalHttpServer server = await LocalHttpServer.StartAsync((request, context) => api!.AnswerAsync(request, context));
        api = new FakeTossApi(server);
        return api;
    }

    private async Task AnswerAsync(RecordedRequest request, HttpContext context)
    {
        string expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(SecretKey + ":"));
        if (request.Headers.GetValueOrDefault("Authorization") != expected)
        {
            await Json(context, 401, """{"code":"UNAUTHORIZED_KEY","message":"인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다."}"""u8.ToArray());
            return;
        }

        if (request.Method == "GET" && request.PathAndQuery.StartsWith("/v1/transactions?", StringComparison.Ordinal))
        {
            await this.ListAsync(request, context);
            return;
        }

        const string prefix = "/v1/payments/";
        string key = request.Method == "GET" && request.PathAndQuery.StartsWith(prefix, StringComparison.Ordinal)
            ? Uri.UnescapeDataString(request.PathAndQuery[prefix.Length..])
            : "";
        if (this.Payments.TryGetValue(key, out byte[]? payment))
        {
            await Json(context, 200, payment);
            return;
        }

        await Json(context, 404, """{"code":"NOT_FOUND_PAYMENT","message":"존재하지 않는 결제 정보 입니다."}"""u8.ToArray());
    }

    private async Task ListAsync(RecordedRequest request, HttpContext context)
    {
        Dictionary<string, Microsoft.Extensions.Primitives.StringValues> query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(new Uri("http://x" + request.PathAndQuery).Query);
        string Q(string name) => query.TryGetValue(name, out Microsoft.Extensions.Primitives.StringValues v) ? v.ToString() : "";
        const string seoul = "yyyy-MM-dd'T'HH:mm:ss";
        if (!DateTime.TryParseExact(Q("startDate"), seoul, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime start)
            || !DateTime.TryParseExact(Q("endDate"), seoul, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTime end))
        {
            await Json(context, 400, """{"code":"INVALID_REQUEST","message":"잘못된 요청입니다."}"""u8.ToArray());
            return;
        }

        int limit = int.TryParse(Q("limit"), CultureInfo.InvariantCulture, out int l) ? Math.Clamp(l, 1, 5000) : 100;
        string after = Q("startingAfter");
        var page = this.Transactions
            .Where(t => t.TransactionAt >= start && t.TransactionAt <= end)
            .SkipWhile(t => after.Length > 0 && t.TransactionKey != after).Skip(after.Length > 0 ? 1 : 0)
            .Take(limit)
            .Select(t => new
            {
                mId = "tvivarepublica",
                transactionKey = t.TransactionKey,
                paymentKey = t.PaymentKey,
                orderId = "ord-" + t.PaymentKey,
                method = "간편결제",
                customerKey = (string?)null,
                useEscrow = false,
                receiptUrl = (string?)null,
                status = t.Status,
                transactionAt = t.TransactionAt.ToString(seoul, CultureInfo.InvariantCulture) + "+09:00",
                currency = "KRW",
                amount = 39000,
            });
        await Json(context, 200, JsonSerializer.SerializeToUtf8Bytes(page));
    }

    private static async Task Json(HttpContext context, int status, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(body);
    }

    public ValueTask DisposeAsync() => this.server.DisposeAsync();
}

/// <summary>
/// PayPal's REST API as a local server: client-credentials tokens, verify-webhook-signature and orders. It checks a
/// delivery the way PayPal does, over the exact bytes: a transmission "signature" here is an HMAC over
/// "{transmissionId}|{time}|{webhookId}|" + the event bytes, so any change to the spliced webhook_event bytes (a
/// re-serialisation, a trimmed newline) turns a genuine delivery into FAILURE.
/// </summary>
public sealed class FakePayPalApi : IAsyncDisposable
{
    public const string ClientId = "pp-client-fixture";
    public const string ClientSecret = "pp-secret-fixture";
    public const string WebhookId = "8PT597110X687430LKGECATA";
    private const string Token = "A21AAFakeAccessToken0000";
    private static readonly byte[] SigningKey = "fake-paypal-cert-private-key"u8.ToArray();

    private readonly LocalHttpServer server;

    private FakePayPalApi(LocalHttpServer server) => this.server = server;

    /// <summary>orderId → the order JSON GET /v2/checkout/orders/{id} answers with.</summary>
    public ConcurrentDictionary<string, string> Orders { get; } = new(StringComparer.Ordinal);

    /// <summary>The webhook_event bytes of every verification request, as received.</summary>
    public ConcurrentQueue<byte[]> VerifiedEvents { get; } = new();

    public ConcurrentQueue<RecordedRequest> Requests => this.server.Requests;

    public string BaseUrl => this.server.BaseUrl;

    public static async Task<FakePayPalApi> StartAsync()
    {
        FakePayPalApi? api = null;
        LocalHttpServer server = await LocalHttpServer.StartAsync((request, context) => api!.AnswerAsync(request, context));
        api = new FakePayPalApi(server);
        return api;
    }

    /// <summary>The PAYPAL-* headers a genuine delivery of <paramref name="body"/> would carry.</summary>
    public static Dictionary<string, string> SignedHeaders(byte[] body, string transmissionId = "3c1f2a90-00fa-11f0-9e0e-000000000001")
    {
        const string time = "2025-03-14T15:41:14Z";
        return new Dictionary<string, string>
        {
            ["PAYPAL-AUTH-ALGO"] = "SHA256withRSA",
            ["PAYPAL-CERT-URL"] = "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-FAKE0000",
            ["PAYPAL-TRANSMISSION-ID"] = transmissionId,
            ["PAYPAL-TRANSMISSION-SIG"] = Sign(transmissionId, time, WebhookId, body),
            ["PAYPAL-TRANSMISSION-TIME"] = time,
        };
    }

    /// <summary>The delivery headers in the sample's headers.txt (fake values: they do not verify).</summary>
    public static Dictionary<string, string> SampleHeaders(string path) =>
        File.ReadAllLines(path).Where(l => l.StartsWith("PAYPAL-", StringComparison.Ordinal))
            .Select(l => l.Split(':', 2)).ToDictionary(p => p[0].Trim(), p => p[1].Trim());

    private static string Sign(string transmissionId, string time, string webhookId, ReadOnlySpan<byte> body) =>
        Convert.ToBase64String(HMACSHA256.HashData(SigningKey.AsSpan(), [.. Encoding.UTF8.GetBytes($"{transmissionId}|{time}|{webhookId}|"), .. body]));

    private async Task AnswerAsync(RecordedRequest request, HttpContext context)
    {
        string path = request.PathAndQuery;
        if (request.Method == "POST" && path == "/v1/oauth2/token")
        {
            string basic = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ClientId}:{ClientSecret}"));
            if (request.Headers.GetValueOrDefault("Authorization") != basic || request.BodyText != "grant_type=client_credentials")
            {
                await Json(context, 401, """{"error":"invalid_client","error_description":"Client Authentication failed"}""");
                return;
            }

            await Json(context, 200, $$"""{"scope":"https://uri.paypal.com/services/payments/payment","access_token":"{{Token}}","token_type":"Bearer","app_id":"APP-FAKE","expires_in":32400,"nonce":"fake"}""");
            return;
        }

        if (request.Headers.GetValueOrDefault("Authorization") != "Bearer " + Token)
        {
            await Json(context, 401, """{"error":"invalid_token","error_description":"Token signature verification failed"}""");
            return;
        }

        if (request.Method == "POST" && path == "/v1/notifications/verify-webhook-signature")
        {
            await Json(context, 200, this.Verify(request.Body) ? """{"verification_status":"SUCCESS"}""" : """{"verification_status":"FAILURE"}""");
            return;
        }

        const string orders = "/v2/checkout/orders/";
        if (request.Method == "GET" && path.StartsWith(orders, StringComparison.Ordinal) && this.Orders.TryGetValue(path[orders.Length..], out string? order))
        {
            await Json(context, 200, order);
            return;
        }

        await Json(context, 404, """{"name":"RESOURCE_NOT_FOUND","message":"The specified resource does not exist."}""");
    }

    // PayPal reads webhook_event as the bytes between its property name and the object's closing brace.
    private bool Verify(byte[] body)
    {
        using JsonDocument doc = JsonDocument.Parse(body);
        JsonElement root = doc.RootElement;
        byte[] marker = ",\"webhook_event\":"u8.ToArray();
        int at = body.AsSpan().IndexOf(marker);
        if (at < 0 || body[^1] != (byte)'}')
        {
            return false;
        }

        byte[] rawEvent = body[(at + marker.Length)..^1];
        this.VerifiedEvents.Enqueue(rawEvent);
        string S(string name) => root.TryGetProperty(name, out JsonElement v) ? v.GetString() ?? "" : "";
        return S("webhook_id") == WebhookId
            && CryptographicOperations.FixedTimeEquals(
                Encoding.ASCII.GetBytes(S("transmission_sig")),
                Encoding.ASCII.GetBytes(Sign(S("transmission_id"), S("transmission_time"), S("webhook_id"), rawEvent)));
    }

    private static async Task Json(HttpContext context, int status, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    }

    public ValueTask DisposeAsync() => this.server.DisposeAsync();
}

/// <summary>SendGrid Inbound Parse deliveries, built the way SendGrid posts them (multipart/form-data, one part per field).</summary>
public static class InboundParseForms
{
    /// <summary>Raw mode ("POST the raw, full MIME message"): the whole message in field "email".</summary>
    public static MultipartFormDataContent Raw(byte[] eml, string to = "orders@parse.soloshop.example")
    {
        MultipartFormDataContent form = new("----sendgridraw" + Guid.NewGuid().ToString("N"));
        Add(form, "headers", "Received: by mx.sendgrid.net\n"u8.ToArray());
        Add(form, "dkim", "{@tosspayments.example : pass}"u8.ToArray());
        Add(form, "email", eml);
        Add(form, "to", Encoding.UTF8.GetBytes(to));
        Add(form, "charsets", """{"to":"UTF-8","from":"UTF-8","subject":"UTF-8"}"""u8.ToArray());
        Add(form, "SPF", "pass"u8.ToArray());
        Add(form, "envelope", Encoding.UTF8.GetBytes($$"""{"to":["{{to}}"],"from":"bounce@mail.example"}"""));
        return form;
    }

    /// <summary>Parsed mode: each field as raw bytes in its own charset, named in "charsets".</summary>
    public static MultipartFormDataContent Parsed(IReadOnlyDictionary<string, (byte[] Bytes, string Charset)> fields)
    {
        MultipartFormDataContent form = new("----sendgridparsed" + Guid.NewGuid().ToString("N"));
        Dictionary<string, string> charsets = [];
        foreach ((string name, (byte[] bytes, string charset)) in fields)
        {
            Add(form, name, bytes);
            charsets[name] = charset;
        }

        Add(form, "charsets", JsonSerializer.SerializeToUtf8Bytes(charsets));
        Add(form, "SPF", "pass"u8.ToArray());
        return form;
    }

    private static void Add(MultipartFormDataContent form, string name, byte[] value)
    {
        // SendGrid's parts carry only a Content-Disposition: no Content-Type, no charset.
        ByteArrayContent part = new(value);
        part.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = $"\"{name}\"" };
        form.Add(part);
    }
}
