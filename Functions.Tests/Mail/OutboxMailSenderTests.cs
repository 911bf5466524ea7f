using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MimeKit;
using PostPurchase.Infrastructure;
using PostPurchase.Mail;

namespace PostPurchase.Tests.Mail;

public sealed class OutboxMailSenderTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("pp-outbox-").FullName;
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2025, 3, 14, 12, 7, 30, 123, TimeSpan.Zero));

    private string Outbox => Path.Combine(this.root, "outbox");   // does not exist yet: the sender creates it

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_eml_parses_back_with_the_korean_subject_both_bodies_and_the_korean_named_pdf()
    {
        OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(MailKind.Welcome, MailSamples.KoreanPurchase()));
        using OutboxMailSender sender = this.NewSender();

        await sender.SendAsync(mail, Ct);

        string file = Assert.Single(Directory.GetFiles(this.Outbox));
        Assert.Equal($"20250314120730123-welcome-{OutboxMailSender.SafeKey(mail.IdempotencyKey)}.eml", Path.GetFileName(file));
        using MimeMessage parsed = await MimeMessage.LoadAsync(file, Ct);
        Assert.Equal("[노션 업무 자동화 템플릿 패키지] 결제가 완료되었습니다", parsed.Subject);
        Assert.Equal(Normalize(mail.Text), Normalize(parsed.TextBody));
        Assert.Equal(Normalize(mail.Html), Normalize(parsed.HtmlBody));
        Assert.Equal("노션연구소", Assert.IsType<MailboxAddress>(Assert.Single(parsed.From)).Name);
        Assert.Equal("hello@minji-notion.example", Assert.IsType<MailboxAddress>(Assert.Single(parsed.From)).Address);
        MailboxAddress to = Assert.IsType<MailboxAddress>(Assert.Single(parsed.To));
        Assert.Equal((MailSamples.KoreanEmail, "김민지"), (to.Address, to.Name));
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 12, 7, 30, TimeSpan.Zero), parsed.Date);   // RFC 5322 dates have whole seconds
        Assert.Equal(mail.IdempotencyKey, parsed.Headers["X-PostPurchase-Key"]);
        Assert.Equal(OutboxMailSender.MessageIdFor(mail.IdempotencyKey, "hello@minji-notion.example"), parsed.MessageId);

        // multipart/mixed( multipart/alternative(text/plain, text/html), application/pdf )
        Multipart mixed = Assert.IsType<Multipart>(parsed.Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        MultipartAlternative alternative = Assert.IsType<MultipartAlternative>(mixed[0]);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(part => part.ContentType.MimeType));
        MimePart attachment = Assert.IsType<MimePart>(Assert.Single(parsed.Attachments));
        Assert.Equal(MailSamples.PdfFileName, attachment.FileName);
        Assert.Equal("application/pdf", attachment.ContentType.MimeType);
        using MemoryStream bytes = new();
        await Assert.IsType<MimeContent>(attachment.Content).DecodeToAsync(bytes, Ct);
        Assert.Equal(MailSamples.PdfBytes, bytes.ToArray());
    }

    [Fact]
    public async Task An_offer_keeps_its_list_unsubscribe_headers()
    {
        OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(MailKind.NextProductOffer, MailSamples.KoreanPurchase()));
        using OutboxMailSender sender = this.NewSender();

        await sender.SendAsync(mail, Ct);

        using MimeMessage parsed = await MimeMessage.LoadAsync(Assert.Single(Directory.GetFiles(this.Outbox)), Ct);
        Assert.StartsWith("(광고)", parsed.Subject, StringComparison.Ordinal);
        Assert.Equal(mail.Headers["List-Unsubscribe"], parsed.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", parsed.Headers["List-Unsubscribe-Post"]);
        Assert.Empty(parsed.Attachments);
        Assert.EndsWith("-next-product-offer-" + OutboxMailSender.SafeKey(mail.IdempotencyKey) + ".eml", Directory.GetFiles(this.Outbox)[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sending_the_same_idempotency_key_twice_leaves_one_file()
    {
        OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(MailKind.Welcome, MailSamples.KoreanPurchase()));
        using OutboxMailSender sender = this.NewSender();

        await sender.SendAsync(mail, Ct);
        string first = Assert.Single(Directory.GetFiles(this.Outbox));
        this.time.Advance(TimeSpan.FromMinutes(5));   // a durable retry, minutes later
        await sender.SendAsync(mail, Ct);

        string only = Assert.Single(Directory.GetFiles(this.Outbox));
        Assert.Equal(first, only);
        using MimeMessage parsed = await MimeMessage.LoadAsync(only, Ct);
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 12, 12, 30, TimeSpan.Zero), parsed.Date);   // rewritten by the retry
    }

    [Fact]
    public async Task Different_steps_of_one_journey_get_their_own_files()
    {
        using OutboxMailSender sender = this.NewSender();
        MailComposer composer = MailSamples.StrictComposer();

        await sender.SendAsync(composer.Compose(MailSamples.Mail(MailKind.Welcome, MailSamples.KoreanPurchase())), Ct);
        this.time.Advance(TimeSpan.FromSeconds(1));
        await sender.SendAsync(composer.Compose(MailSamples.Mail(MailKind.ReviewRequest, MailSamples.KoreanPurchase())), Ct);

        Assert.Equal(2, Directory.GetFiles(this.Outbox, "*.eml").Length);
        Assert.Empty(Directory.GetFiles(this.Outbox, "*.tmp"));
    }

    [Fact]
    public void Keys_become_safe_file_names()
    {
        Assert.Equal("stripe-pi_123_welcome", OutboxMailSender.SafeKey("stripe-pi_123:welcome"));
        Assert.Equal("a_b_c_.._x", OutboxMailSender.SafeKey("a/b\\c:../x"));
    }

    public void Dispose() => Directory.Delete(this.root, recursive: true);

    private static string? Normalize(string? text) => text?.ReplaceLineEndings("\n");

    private OutboxMailSender NewSender() => new(
        Options.Create(new SendGridOptions { FromEmail = "hello@minji-notion.example", FromName = "노션연구소", OutboxPath = this.Outbox }),
        this.time,
        NullLogger<OutboxMailSender>.Instance);
}
