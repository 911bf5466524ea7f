using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MimeKit;
using PostPurchase.Infrastructure;
using PostPurchase.Mail;
using PostPurchase.Notifications;
using PostPurchase.Purchases;
using PostPurchase.Tests.Mail;
using PostPurchase.Tests.TestDoubles;
using SendGrid.Helpers.Mail;

namespace PostPurchase.Tests.Notifications;

/// <summary>Slack's answers at the HTTP boundary (a local server with Slack's status codes), the fallback mail in a real outbox.</summary>
public sealed class SellerAlerterTests : IDisposable
{
    private static readonly SlackAlert Alert = new("stripe-pi_1:alert-unhappy", "A buyer is unhappy: please reach out by hand.",
        [new SlackField("Order", "stripe-pi_1"), new SlackField("Score", "1 / 5")], "<!channel> 환불해 주세요 <script>alert(1)</script>");

    private readonly string outbox = Directory.CreateTempSubdirectory("seller-alerter-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_429_is_retried_only_after_slacks_retry_after_and_then_posted()
    {
        ConcurrentQueue<DateTimeOffset> arrivals = new();
        await using LocalHttpServer slack = await LocalHttpServer.StartAsync(async (_, context) =>
        {
            arrivals.Enqueue(DateTimeOffset.UtcNow);
            if (arrivals.Count == 1)
            {
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = "1";
                await context.Response.WriteAsync("rate_limited", Ct);
                return;
            }

            await context.Response.WriteAsync("ok", Ct);
        });

        SellerAlertOutcome outcome = await this.Alerter(slack.BaseUrl + "/services/T/B/X").SendAsync(Alert, Ct);

        Assert.Equal(SellerAlertOutcome.Posted, outcome);
        DateTimeOffset[] times = [.. arrivals];
        Assert.Equal(2, times.Length);
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(1), $"retried after {(times[1] - times[0]).TotalMilliseconds} ms, before Retry-After: 1");
        Assert.Empty(Directory.GetFiles(this.outbox));
    }

    [Fact]
    public async Task A_long_retry_after_is_left_to_the_durable_retry_instead_of_holding_the_activity()
    {
        await using LocalHttpServer slack = await LocalHttpServer.StartAsync(async (_, context) =>
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "600";
            await context.Response.WriteAsync("rate_limited", Ct);
        });

        SlackRetryException ex = await Assert.ThrowsAsync<SlackRetryException>(() => this.Alerter(slack.BaseUrl + "/x").SendAsync(Alert, Ct));

        Assert.Equal(TimeSpan.FromSeconds(600), ex.RetryAfter);
        Assert.Single(slack.Requests);
    }

    [Theory]
    [InlineData(400, "invalid_payload")]
    [InlineData(403, "action_prohibited")]
    [InlineData(404, "channel_not_found")]
    [InlineData(410, "channel_is_archived")]
    public async Task A_dead_hook_is_not_retried_and_the_seller_gets_the_alert_by_mail_with_why(int status, string error)
    {
        await using LocalHttpServer slack = await LocalHttpServer.StartAsync(async (_, context) =>
        {
            context.Response.StatusCode = status;
            await context.Response.WriteAsync(error, Ct);
        });

        SellerAlertOutcome outcome = await this.Alerter(slack.BaseUrl + "/x").SendAsync(Alert, Ct);

        Assert.Equal(SellerAlertOutcome.Emailed, outcome);
        Assert.Single(slack.Requests);
        MimeMessage mail = await MimeMessage.LoadAsync(Assert.Single(Directory.GetFiles(this.outbox, "*.eml")), Ct);
        Assert.Equal(MailSamples.Seller.ContactEmail, mail.To.Mailboxes.Single().Address);
        Assert.Contains(Alert.Headline, mail.Subject, StringComparison.Ordinal);
        foreach (string part in new[] { mail.TextBody ?? "", mail.HtmlBody ?? "" })
        {
            Assert.Contains(error, part, StringComparison.Ordinal);
            Assert.Contains(status.ToString(System.Globalization.CultureInfo.InvariantCulture), part, StringComparison.Ordinal);
            Assert.Contains("Slack__WebhookUrl", part, StringComparison.Ordinal);
            Assert.Contains("1 / 5", part, StringComparison.Ordinal);
        }

        // The buyer's words arrive as text, never as markup.
        Assert.DoesNotContain("<script>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("<script>alert(1)</script>", mail.TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public void Sendgrid_gets_each_address_once_across_to_cc_and_bcc_whatever_its_case()
    {
        OutgoingMail mail = new(MailKind.Welcome, "k:welcome", " Seller@Shop.example ", null, "s", "<p>h</p>", "t", [], new Dictionary<string, string>())
        {
            Cc = ["seller@shop.example", "Partner@shop.example"],
            Bcc = ["SELLER@SHOP.EXAMPLE", "partner@shop.example", "archive@shop.example", ""],
        };

        SendGridMessage message = SendGridMailSender.ToSendGridMessage(mail, new SendGridOptions { FromEmail = "hello@shop.example" });

        Personalization p = Assert.Single(message.Personalizations);
        Assert.Equal(["Seller@Shop.example"], p.Tos.Select(a => a.Email));
        Assert.Equal(["Partner@shop.example"], p.Ccs.Select(a => a.Email));
        Assert.Equal(["archive@shop.example"], p.Bccs.Select(a => a.Email));
    }

    public void Dispose() => Directory.Delete(this.outbox, recursive: true);

    private SellerAlerter Alerter(string webhook)
    {
        SlackNotifier slack = new(new HttpClient(), Options.Create(new SlackOptions { WebhookUrl = webhook }), TimeProvider.System, NullLogger<SlackNotifier>.Instance);
        OutboxMailSender mail = new(Options.Create(new SendGridOptions { FromEmail = "alerts@shop.example", OutboxPath = this.outbox }), TimeProvider.System, NullLogger<OutboxMailSender>.Instance);
        Catalog catalog = new(MailSamples.Seller, [MailSamples.Product()]);
        return new SellerAlerter(slack, mail, MailSamples.StrictComposer(), catalog, TimeProvider.System, NullLogger<SellerAlerter>.Instance);
    }
}
