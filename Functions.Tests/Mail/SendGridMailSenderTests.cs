using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PostPurchase.Infrastructure;
using PostPurchase.Mail;
using PostPurchase.Tests.TestDoubles;
using SendGrid;

namespace PostPurchase.Tests.Mail;

/// <summary>SendGridMailSender through the real SendGridClient against a local stand-in for api.sendgrid.com.</summary>
public sealed class SendGridMailSenderTests
{
    private const string ApiKey = "SG.test-key.abc123";

    private const string BadRequestBody = """
        {"errors":[{"message":"The attachment content must be base64 encoded.","field":"attachments.0.content","help":"http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.attachments.content"},
                   {"message":"Does not contain a valid address: minji.kim@example.com","field":"personalizations.0.to.0.email","help":null}]}
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_accepted_mail_is_posted_to_v3_mail_send_as_sendgrid_expects_it()
    {
        OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(MailKind.Welcome, MailSamples.KoreanPurchase()));
        await using LocalHttpServer sendGrid = await StartSendGridAsync(_ => (HttpStatusCode.Accepted, null));

        await NewSender(sendGrid).SendAsync(mail, Ct);

        RecordedRequest request = Assert.Single(sendGrid.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v3/mail/send", request.PathAndQuery);
        Assert.Equal($"Bearer {ApiKey}", request.Headers["Authorization"]);
        Assert.StartsWith("application/json", request.Headers["Content-Type"], StringComparison.Ordinal);

        using JsonDocument json = JsonDocument.Parse(request.Body);
        JsonElement body = json.RootElement;
        JsonElement personalization = Assert.Single(body.GetProperty("personalizations").EnumerateArray());
        JsonElement to = Assert.Single(personalization.GetProperty("to").EnumerateArray());
        Assert.Equal(MailSamples.KoreanEmail, to.GetProperty("email").GetString());
        Assert.Equal("김민지", to.GetProperty("name").GetString());
        Assert.Equal("hello@minji-notion.example", body.GetProperty("from").GetProperty("email").GetString());
        Assert.Equal("노션연구소", body.GetProperty("from").GetProperty("name").GetString());
        Assert.Equal("[노션 업무 자동화 템플릿 패키지] 결제가 완료되었습니다", body.GetProperty("subject").GetString());

        JsonElement[] content = [.. body.GetProperty("content").EnumerateArray()];
        Assert.Equal(["text/plain", "text/html"], content.Select(c => c.GetProperty("type").GetString()));
        Assert.Equal(mail.Text, content[0].GetProperty("value").GetString());
        Assert.Equal(mail.Html, content[1].GetProperty("value").GetString());

        JsonElement attachment = Assert.Single(body.GetProperty("attachments").EnumerateArray());
        string base64 = attachment.GetProperty("content").GetString()!;
        Assert.Equal(Convert.ToBase64String(MailSamples.PdfBytes), base64);
        Assert.DoesNotContain('\n', base64);
        Assert.DoesNotContain('\r', base64);
        Assert.Equal(MailSamples.PdfFileName, attachment.GetProperty("filename").GetString());
        Assert.Equal("application/pdf", attachment.GetProperty("type").GetString());
        Assert.Equal("attachment", attachment.GetProperty("disposition").GetString());

        JsonElement customArgs = body.GetProperty("custom_args");
        Assert.Equal(mail.IdempotencyKey, customArgs.GetProperty("idempotencyKey").GetString());
        Assert.Equal("Welcome", customArgs.GetProperty("kind").GetString());
        Assert.False(body.GetProperty("tracking_settings").GetProperty("click_tracking").GetProperty("enable").GetBoolean());
    }

    [Fact]
    public async Task An_offer_sends_the_list_unsubscribe_headers()
    {
        OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(MailKind.NextProductOffer, MailSamples.EnglishPurchase()));
        await using LocalHttpServer sendGrid = await StartSendGridAsync(_ => (HttpStatusCode.Accepted, null));

        await NewSender(sendGrid).SendAsync(mail, Ct);

        using JsonDocument json = JsonDocument.Parse(Assert.Single(sendGrid.Requests).Body);
        JsonElement headers = json.RootElement.GetProperty("headers");
        Assert.Equal(mail.Headers["List-Unsubscribe"], headers.GetProperty("List-Unsubscribe").GetString());
        Assert.Equal("List-Unsubscribe=One-Click", headers.GetProperty("List-Unsubscribe-Post").GetString());
        Assert.False(json.RootElement.TryGetProperty("attachments", out _));
    }

    [Fact]
    public async Task A_400_is_a_permanent_failure_with_sendgrids_reason_and_is_not_retried()
    {
        OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(MailKind.Welcome, MailSamples.KoreanPurchase()));
        await using LocalHttpServer sendGrid = await StartSendGridAsync(_ => (HttpStatusCode.BadRequest, BadRequestBody));

        PermanentDeliveryException refused = await Assert.ThrowsAsync<PermanentDeliveryException>(() => NewSender(sendGrid).SendAsync(mail, Ct));

        Assert.Single(sendGrid.Requests);
        Assert.Contains("400", refused.Message, StringComparison.Ordinal);
        Assert.Contains("attachments.0.content: The attachment content must be base64 encoded.", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(MailSamples.KoreanEmail, refused.Message, StringComparison.OrdinalIgnoreCase);   // no buyer PII in the reason
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge)]
    public async Task Other_client_errors_are_permanent_too(HttpStatusCode status)
    {
        OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(MailKind.Reminder, MailSamples.EnglishPurchase()));
        await using LocalHttpServer sendGrid = await StartSendGridAsync(_ => (status, """{"errors":[{"message":"nope","field":null,"help":null}]}"""));

        PermanentDeliveryException refused = await Assert.ThrowsAsync<PermanentDeliveryException>(() => NewSender(sendGrid).SendAsync(mail, Ct));

        Assert.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), refused.Message, StringComparison.Ordinal);
        Assert.Single(sendGrid.Requests);
    }

    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task Throttling_and_server_errors_throw_a_retryable_exception(HttpStatusCode status)
    {
        OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(MailKind.ReviewRequest, MailSamples.KoreanPurchase()));
        await using LocalHttpServer sendGrid = await StartSendGridAsync(_ => (status, """{"errors":[{"message":"try later","field":null,"help":null}]}"""));

        HttpRequestException retryable = await Assert.ThrowsAsync<HttpRequestException>(() => NewSender(sendGrid).SendAsync(mail, Ct));

        Assert.Equal(status, retryable.StatusCode);
        Assert.Single(sendGrid.Requests);   // the durable activity retry owns the backoff, not the sender
    }

    [Fact]
    public async Task A_200_is_not_counted_as_sent()
    {
        // SendGrid answers 200 in sandbox mode: the request was valid but nothing was delivered.
        OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(MailKind.Welcome, MailSamples.EnglishPurchase()));
        await using LocalHttpServer sendGrid = await StartSendGridAsync(_ => (HttpStatusCode.OK, null));

        await Assert.ThrowsAsync<PermanentDeliveryException>(() => NewSender(sendGrid).SendAsync(mail, Ct));
    }

    private static SendGridMailSender NewSender(LocalHttpServer sendGrid)
    {
        // As the composition root builds it: an injected HttpClient and Host pointing at the stand-in.
        HttpClient http = new();
        SendGridClient client = new(http, new SendGridClientOptions { ApiKey = ApiKey, Host = sendGrid.BaseUrl });
        return new SendGridMailSender(
            client,
            Options.Create(new SendGridOptions { ApiKey = ApiKey, FromEmail = "hello@minji-notion.example", FromName = "노션연구소" }),
            NullLogger<SendGridMailSender>.Instance);
    }

    /// <summary>
    /// Checks what SendGrid checks before it looks at the mail (key, route, JSON), answering 401/404/400 like
    /// SendGrid would; a request that passes gets the scripted answer.
    /// </summary>
    private static Task<LocalHttpServer> StartSendGridAsync(Func<RecordedRequest, (HttpStatusCode Status, string? Body)> answer) =>
        LocalHttpServer.StartAsync(async (request, context) =>
        {
            (HttpStatusCode status, string? body) = request switch
            {
                _ when request.Headers.GetValueOrDefault("Authorization") != $"Bearer {ApiKey}" =>
                    (HttpStatusCode.Unauthorized, """{"errors":[{"field":null,"message":"The provided authorization grant is invalid, expired, or revoked","help":null}]}"""),
                _ when request.Method != "POST" || request.PathAndQuery != "/v3/mail/send" =>
                    (HttpStatusCode.NotFound, """{"errors":[{"field":null,"message":"not found","help":null}]}"""),
                _ when !IsJsonObject(request.Body) =>
                    (HttpStatusCode.BadRequest, """{"errors":[{"field":null,"message":"Bad Request","help":null}]}"""),
                _ => answer(request),
            };

            context.Response.StatusCode = (int)status;
            if (status == HttpStatusCode.Accepted)
            {
                context.Response.Headers["X-Message-Id"] = "sg-msg-123";
            }

            if (body is not null)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(body, context.RequestAborted);
            }
        });

    private static bool IsJsonObject(byte[] body)
    {
        try
        {
            using JsonDocument json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
