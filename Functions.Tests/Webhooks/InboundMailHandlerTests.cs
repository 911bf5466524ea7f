using System.Globalization;
using System.Text;
using MimeKit;
using PostPurchase.Crm;
using PostPurchase.Purchases;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.TestDoubles;
using PostPurchase.Webhooks;

namespace PostPurchase.Tests.Webhooks;

/// <summary>
/// Receipt mails through the Inbound Parse handler: both SendGrid modes, per-field charsets, folded subjects,
/// masked buyers, forwarded receipts and mail that is not a receipt. CRM and the stored mail on Azurite.
/// </summary>
public sealed class InboundMailHandlerTests(AzuriteFixture azurite) : IAsyncLifetime
{
    internal const string TossMail = "email-toss-payment-complete.eml";
    internal const string NaverPayMail = "email-naverpay-order-notice.eml";
    private const string ProductKo = "노션 업무 자동화 템플릿 패키지";

    private SourceServices services = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        this.services = SourceServices.Create(azurite, new Dictionary<string, string?> { ["InboundMail:Secret"] = "parse-secret" });
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => this.services.DisposeAsync();

    [Fact]
    public async Task The_Toss_notice_in_raw_mode_yields_exactly_the_facts_its_README_lists()
    {
        InboundMailResult result = await this.ReceiveAsync(InboundParseForms.Raw(Eml(TossMail)));

        Purchase p = AssertPurchase(result);
        Assert.Equal("toss", p.Provider);
        Assert.Equal("tviva20250314210705Xy9Zq", p.PaymentId);
        Assert.Equal("ord_20250314_0005", p.OrderReference);
        Assert.Equal(new Buyer("minji.kim@example.com", "김민지", "ko", "Asia/Seoul"), p.Buyer);
        Assert.Equal(ProductKo, p.ProductName);
        Assert.Equal(Money.Of(39000, "KRW"), p.Amount);
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 21, 7, 33, TimeSpan.FromHours(9)), p.PaidAt);
        Assert.Equal(TimeSpan.FromHours(9), p.PaidAt.Offset);
        Assert.Equal("email", p.Channel);
    }

    [Fact]
    public void The_folded_two_word_subjects_of_both_samples_decode_exactly()
    {
        Assert.Equal("[Toss] 결제 완료 - 노션 업무 자동화 템플릿 패키지", InboundMailReader.FromMime(Eml(TossMail)).Subject);
        Assert.Equal("[네이버페이] 새로운 주문이 접수되었습니다", InboundMailReader.FromMime(Eml(NaverPayMail)).Subject);
    }

    [Fact]
    public void A_subject_folded_into_two_ks_c_5601_1987_words_decodes_exactly()
    {
        Encoding cp949 = Encoding.GetEncoding(949);
        string folded = $"Subject: =?ks_c_5601-1987?B?{Convert.ToBase64String(cp949.GetBytes("[네이버페이] 새로운 "))}?=\r\n"
            + $" =?ks_c_5601-1987?B?{Convert.ToBase64String(cp949.GetBytes("주문이 접수되었습니다"))}?=\r\n";

        InboundMail mail = InboundMailReader.FromMime(ReplaceSubject(Eml(NaverPayMail), folded));

        Assert.Equal("[네이버페이] 새로운 주문이 접수되었습니다", mail.Subject);
        Assert.Empty(mail.Problems);
    }

    [Fact]
    public async Task The_NaverPay_notice_keeps_the_masked_buyer_as_masked_and_has_no_email()
    {
        InboundMailResult result = await this.ReceiveAsync(InboundParseForms.Raw(Eml(NaverPayMail)));

        Purchase p = AssertPurchase(result);
        Assert.Equal("naverpay", p.Provider);
        Assert.Equal("2025031421155512", p.PaymentId);
        Assert.Equal("2025031468412397", p.OrderReference);
        Assert.Null(p.Buyer.Email);
        Assert.Equal("김*지", p.Buyer.Name);
        Assert.Equal("노션 업무 자동화 템플릿 패키지 (디지털 다운로드)", p.ProductName);
        Assert.Equal(Money.Of(39000, "KRW"), p.Amount);
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 21, 15, 55, TimeSpan.FromHours(9)), p.PaidAt);
    }

    [Fact]
    public async Task A_KakaoPay_receipt_in_EUC_KR_HTML_only_yields_its_buyer_product_amount_and_Seoul_time()
    {
        InboundMailResult result = await this.ReceiveAsync(InboundParseForms.Raw(KakaoPayReceipt()));

        Purchase p = AssertPurchase(result);
        Assert.Equal("kakaopay", p.Provider);
        Assert.Equal("T6a0c8a2b1e9f4d3c2b1a", p.PaymentId);
        Assert.Equal("ord_20250314_0007", p.OrderReference);
        Assert.Equal(new Buyer("jisoo.park@example.com", "박지수", "ko", "Asia/Seoul"), p.Buyer);
        Assert.Equal(ProductKo, p.ProductName);
        Assert.Equal(Money.Of(39000, "KRW"), p.Amount);
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 21, 20, 5, TimeSpan.FromHours(9)), p.PaidAt);
    }

    [Fact]
    public async Task Parsed_mode_decodes_each_field_in_its_own_charset_and_yields_the_same_facts_as_raw_mode()
    {
        // Built from the .eml: the text part in ks_c_5601-1987, the subject in EUC-KR, the HTML and sender in UTF-8.
        MimeMessage eml = MimeMessage.Load(new MemoryStream(Eml(TossMail)), Ct);
        Encoding cp949 = Encoding.GetEncoding(949);
        Dictionary<string, (byte[], string)> fields = new()
        {
            ["headers"] = (Encoding.UTF8.GetBytes("Date: Fri, 14 Mar 2025 21:07:41 +0900\nMessage-ID: <x@mail.tosspayments.example>\n"), "UTF-8"),
            ["from"] = (Encoding.UTF8.GetBytes(eml.From.ToString()), "UTF-8"),
            ["to"] = ("orders@parse.soloshop.example"u8.ToArray(), "UTF-8"),
            ["subject"] = (cp949.GetBytes(eml.Subject!), "euc-kr"),
            ["text"] = (cp949.GetBytes(eml.TextBody!), "ks_c_5601-1987"),
            ["html"] = (Encoding.UTF8.GetBytes(eml.HtmlBody!), "UTF-8"),
        };
        Assert.NotEqual(Encoding.UTF8.GetBytes(eml.TextBody!), cp949.GetBytes(eml.TextBody!));   // the form really mixes charsets

        Purchase parsed = AssertPurchase(await this.ReceiveAsync(InboundParseForms.Parsed(fields)));
        Purchase raw = AssertPurchase(await this.ReceiveAsync(InboundParseForms.Raw(Eml(TossMail))));

        Assert.Equal(raw, parsed);
    }

    [Fact]
    public async Task A_field_in_an_unknown_charset_keeps_its_bytes_and_the_mail_goes_to_review()
    {
        MimeMessage eml = MimeMessage.Load(new MemoryStream(Eml(TossMail)), Ct);
        byte[] text = Encoding.GetEncoding(949).GetBytes(eml.TextBody!);
        using MultipartFormDataContent form = InboundParseForms.Parsed(new Dictionary<string, (byte[], string)>
        {
            ["from"] = (Encoding.UTF8.GetBytes(eml.From.ToString()), "UTF-8"),
            ["subject"] = (Encoding.UTF8.GetBytes(eml.Subject!), "UTF-8"),
            ["text"] = (text, "x-martian-7"),
        });
        byte[] body = await form.ReadAsByteArrayAsync(Ct);

        InboundMailResult result = await this.services.Get<InboundMailHandler>().ReceiveAsync(body, form.Headers.ContentType!.ToString(), Ct);

        Assert.Equal(MailStatus.NeedsReview, result.Status);
        Assert.Equal(VerdictKind.Ignored, result.Verdict.Kind);
        Assert.Contains("x-martian-7", result.Verdict.Reason, StringComparison.Ordinal);
        (StoredMail mail, byte[] stored) = (await this.services.Get<CustomerRepository>().GetMailAsync(result.MailId!, Ct))!.Value;
        Assert.Equal(body, stored);
        Assert.Equal(MailStatus.NeedsReview, mail.Status);
        Assert.Contains("could not be read", Assert.Single(this.services.SlackLines()), StringComparison.Ordinal);

        // Kept byte for byte, not replaced by '?': the Latin-1 view maps back to exactly the sent bytes.
        List<string> problems = [];
        Assert.Equal(text, Encoding.Latin1.GetBytes(Charsets.Decode(text, "x-martian-7", "text", problems)));
        Assert.Single(problems);
    }

    [Fact]
    public async Task A_raw_message_whose_part_is_not_valid_in_its_declared_charset_goes_to_review()
    {
        string eml = "From: 토스페이먼츠 <no-reply@tosspayments.example>\r\nSubject: [Toss] 결제 완료\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
        byte[] bytes = [.. Encoding.UTF8.GetBytes(eml), .. Encoding.GetEncoding(949).GetBytes("결제금액: 39,000원\r\n")];

        InboundMailResult result = await this.ReceiveAsync(InboundParseForms.Raw(bytes));

        Assert.Equal(MailStatus.NeedsReview, result.Status);
        Assert.Contains("not valid utf-8", result.Verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receipt_forwarded_from_Gmail_is_read_from_its_quoted_part_and_the_seller_is_asked()
    {
        InboundMailResult result = await this.ReceiveAsync(InboundParseForms.Raw(GmailForward(Eml(TossMail))));

        Assert.Equal(MailStatus.AwaitingSeller, result.Status);
        Assert.Equal(VerdictKind.Ignored, result.Verdict.Kind);
        string alert = Assert.Single(this.services.SlackLines());
        Assert.Contains("forwarded receipt", alert, StringComparison.Ordinal);
        Assert.Contains("minji.kim@example.com", alert, StringComparison.Ordinal);
        Assert.Contains("/api/inbound-mail/", alert, StringComparison.Ordinal);

        // The seller grants it by replaying the stored mail.
        InboundMailResult granted = (await this.services.Get<InboundMailHandler>().ReplayAsync(result.MailId!, Ct))!;
        Purchase p = AssertPurchase(granted);
        Assert.Equal(("toss", "tviva20250314210705Xy9Zq", "forwarded-email"), (p.Provider, p.PaymentId, p.Channel));
        Assert.Equal(new Buyer("minji.kim@example.com", "김민지", "ko", "Asia/Seoul"), p.Buyer);
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 21, 7, 33, TimeSpan.FromHours(9)), p.PaidAt);
    }

    [Fact]
    public async Task An_Outlook_FW_with_a_Korean_afternoon_time_is_granted_at_once_when_the_seller_chose_auto_grant()
    {
        await using SourceServices autoGrant = SourceServices.Create(azurite, new Dictionary<string, string?> { ["InboundMail:ForwardedReceipts"] = "AutoGrant" });
        using MultipartFormDataContent form = InboundParseForms.Raw(OutlookForward());
        byte[] body = await form.ReadAsByteArrayAsync(Ct);

        InboundMailResult result = await autoGrant.Get<InboundMailHandler>().ReceiveAsync(body, form.Headers.ContentType!.ToString(), Ct);

        Purchase p = AssertPurchase(result);
        Assert.Equal("forwarded-email", p.Channel);
        Assert.Equal("tviva20250314211200Fw1Ab", p.PaymentId);
        Assert.Equal(new DateTimeOffset(2025, 3, 14, 21, 12, 0, TimeSpan.FromHours(9)), p.PaidAt);   // 오후 9:12, Seoul
        Assert.Empty(autoGrant.SlackLines());
    }

    [Fact]
    public async Task Mail_that_is_not_a_receipt_is_stored_and_shown_to_the_seller_not_turned_into_an_order()
    {
        MimeMessage confirmation = new();
        confirmation.From.Add(new MailboxAddress("Gmail 팀", "forwarding-noreply@google.com"));
        confirmation.To.Add(MailboxAddress.Parse("orders@parse.soloshop.example"));
        confirmation.Subject = "(#611234567) Gmail 전달 확인 - seller@example.com에서 메일 받기";
        confirmation.Body = new TextPart("plain") { Text = "seller@example.com님이 이 주소로 메일을 자동 전달하도록 요청했습니다.\r\n확인 코드: 611234567\r\n" };

        InboundMailResult result = await this.ReceiveAsync(InboundParseForms.Raw(Bytes(confirmation)));

        Assert.Equal((VerdictKind.Ignored, MailStatus.NotAReceipt), (result.Verdict.Kind, result.Status));
        string shown = Assert.Single(this.services.SlackLines());
        Assert.Contains("611234567", shown, StringComparison.Ordinal);   // the seller needs the code to finish the Gmail rule
        Assert.Equal(MailStatus.NotAReceipt, (await this.services.Get<CustomerRepository>().GetMailAsync(result.MailId!, Ct))!.Value.Mail.Status);
    }

    [Fact]
    public async Task A_body_that_is_not_a_form_is_rejected_and_nothing_is_stored()
    {
        InboundMailResult result = await this.services.Get<InboundMailHandler>().ReceiveAsync("{}"u8.ToArray(), "application/json", Ct);

        Assert.Equal(VerdictKind.Rejected, result.Verdict.Kind);
        Assert.Null(result.MailId);
    }

    [Theory]
    [InlineData("parse-secret", null, InboundDoorAccess.Allowed)]
    [InlineData("wrong", null, InboundDoorAccess.Denied)]
    [InlineData(null, null, InboundDoorAccess.Denied)]
    [InlineData(null, "Basic cGFyc2U6cGFzcw==", InboundDoorAccess.Denied)]
    public void The_door_opens_only_with_the_configured_secret(string? secret, string? authorization, InboundDoorAccess expected)
    {
        Assert.Equal(expected, this.services.Get<InboundMailHandler>().Authorize(secret, authorization));
    }

    [Fact]
    public async Task Basic_auth_opens_the_door_when_configured_and_nothing_opens_an_unconfigured_door()
    {
        await using SourceServices basic = SourceServices.Create(azurite, new Dictionary<string, string?>
        {
            ["InboundMail:BasicAuthUser"] = "parse",
            ["InboundMail:BasicAuthPassword"] = "pass",
        });
        await using SourceServices shut = SourceServices.Create(azurite);

        Assert.Equal(InboundDoorAccess.Allowed, basic.Get<InboundMailHandler>().Authorize(null, "Basic " + Convert.ToBase64String("parse:pass"u8)));
        Assert.Equal(InboundDoorAccess.Denied, basic.Get<InboundMailHandler>().Authorize(null, "Basic " + Convert.ToBase64String("parse:nope"u8)));
        Assert.Equal(InboundDoorAccess.NotConfigured, shut.Get<InboundMailHandler>().Authorize("anything", null));
    }

    [Theory]
    [InlineData("2025-03-14 21:07:33", "2025-03-14T21:07:33+09:00")]
    [InlineData("2025.03.14 21:15:55", "2025-03-14T21:15:55+09:00")]
    [InlineData("2025년 3월 14일 (금) 오후 9:12", "2025-03-14T21:12:00+09:00")]
    [InlineData("2025년 3월 14일 금요일 오전 12:05", "2025-03-14T00:05:00+09:00")]
    [InlineData("2025. 3. 14. 오후 12:30:05", "2025-03-14T12:30:05+09:00")]
    [InlineData("Friday, March 14, 2025 9:12 PM", "2025-03-14T21:12:00+09:00")]
    [InlineData("Fri, Mar 14, 2025 at 9:07 PM", "2025-03-14T21:07:00+09:00")]
    [InlineData("2025-03-14T12:07:33Z", "2025-03-14T12:07:33+00:00")]
    public void Korean_and_mail_client_times_are_read_as_Seoul_time_unless_they_say_otherwise(string text, string expected)
    {
        DateTimeOffset parsed = ReceiptParser.ParseTime(text)!.Value;

        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture), parsed);
        Assert.Equal(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture).Offset, parsed.Offset);
    }

    internal static byte[] Eml(string name) => TossWebhookHandlerTests.Sample(name);

    /// <summary>The Toss notice forwarded by hand from Gmail in Korean: the seller's note, then the quoted original.</summary>
    internal static byte[] GmailForward(byte[] original)
    {
        MimeMessage source = MimeMessage.Load(new MemoryStream(original));
        MimeMessage forward = new();
        forward.From.Add(new MailboxAddress("김민지", "minji.kim@example.com"));
        forward.To.Add(MailboxAddress.Parse("orders@parse.soloshop.example"));
        forward.Subject = "Fwd: " + source.Subject;
        forward.Date = new DateTimeOffset(2025, 3, 15, 10, 2, 0, TimeSpan.FromHours(9));
        forward.Body = new TextPart("plain")
        {
            Text = "결제했는데 메일을 못 받았어요. 확인 부탁드립니다.\r\n\r\n---------- 전달된 메일 ---------\r\n"
                + "보낸사람: 토스페이먼츠 <no-reply@tosspayments.example>\r\nDate: 2025년 3월 14일 (금) 오후 9:07\r\n"
                + $"Subject: {source.Subject}\r\nTo: <orders@parse.soloshop.example>\r\n\r\n\r\n" + source.TextBody,
        };
        return Bytes(forward);
    }

    /// <summary>A KakaoPay payment receipt as Korean mail servers still send it: HTML only, EUC-KR, facts in table cells.</summary>
    private static byte[] KakaoPayReceipt()
    {
        MimeMessage receipt = new();
        receipt.From.Add(new MailboxAddress("카카오페이", "noreply@kakaopay.example"));
        receipt.To.Add(MailboxAddress.Parse("orders@parse.soloshop.example"));
        receipt.Subject = "[카카오페이] 결제 영수증 - 노션 업무 자동화 템플릿 패키지";
        receipt.Date = new DateTimeOffset(2025, 3, 14, 21, 20, 9, TimeSpan.FromHours(9));
        TextPart html = new("html");
        html.SetText(Encoding.GetEncoding(949), """
            <html><body><h2>카카오페이 결제가 완료되었습니다</h2>
            <table>
            <tr><th>가맹점</th><td>노션랩</td></tr>
            <tr><th>상품명</th><td>노션 업무 자동화 템플릿 패키지</td></tr>
            <tr><th>결제금액</th><td><strong>39,000원</strong></td></tr>
            <tr><th>거래일시</th><td>2025.03.14 21:20:05</td></tr>
            <tr><th>거래번호(TID)</th><td>T6a0c8a2b1e9f4d3c2b1a</td></tr>
            <tr><th>주문번호</th><td>ord_20250314_0007</td></tr>
            <tr><th>구매자명</th><td>박지수</td></tr>
            <tr><th>구매자 이메일</th><td>jisoo.park@example.com</td></tr>
            </table></body></html>
            """);
        html.ContentType.Charset = "euc-kr";
        receipt.Body = html;
        return Bytes(receipt);
    }

    private static byte[] OutlookForward()
    {
        MimeMessage forward = new();
        forward.From.Add(new MailboxAddress("솔로샵", "seller@soloshop.example"));
        forward.To.Add(MailboxAddress.Parse("orders@parse.soloshop.example"));
        forward.Subject = "FW: [Toss] 결제 완료 - 노션 업무 자동화 템플릿 패키지";
        forward.Body = new TextPart("plain")
        {
            Text = "\r\n\r\n________________________________\r\n보낸 사람: 토스페이먼츠 <no-reply@tosspayments.example>\r\n"
                + "보낸 날짜: 2025년 3월 14일 금요일 오후 9:12\r\n받는 사람: seller@soloshop.example\r\n제목: [Toss] 결제 완료 - 노션 업무 자동화 템플릿 패키지\r\n\r\n"
                + "[토스페이먼츠] 결제가 완료되었습니다.\r\n\r\n주문번호: ord_20250314_0009\r\n결제키(paymentKey): tviva20250314211200Fw1Ab\r\n"
                + "상품명: 노션 업무 자동화 템플릿 패키지\r\n결제금액: 39,000원\r\n구매자명: 이서준\r\n구매자 이메일: seojun.lee@example.com\r\n",
        };
        return Bytes(forward);
    }

    internal static byte[] Bytes(MimeMessage message)
    {
        using MemoryStream stream = new();
        message.WriteTo(stream);
        return stream.ToArray();
    }

    internal static byte[] ReplaceSubject(byte[] eml, string subjectLines)
    {
        // Header bytes are ASCII; Latin-1 maps every byte to one char, so the body's UTF-8 bytes pass through untouched.
        string text = Encoding.Latin1.GetString(eml);
        int start = text.IndexOf("Subject:", StringComparison.Ordinal);
        int end = text.IndexOf("Date:", start, StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(text[..start] + subjectLines + text[end..]);
    }

    private static Purchase AssertPurchase(InboundMailResult result)
    {
        Assert.True(result.Verdict.Kind == VerdictKind.Purchase, $"expected a purchase, got {result.Verdict.Kind}: {result.Verdict.Reason}");
        return result.Verdict.Purchase!;
    }

    private async Task<InboundMailResult> ReceiveAsync(MultipartFormDataContent form)
    {
        using (form)
        {
            byte[] body = await form.ReadAsByteArrayAsync(Ct);
            return await this.services.Get<InboundMailHandler>().ReceiveAsync(body, form.Headers.ContentType!.ToString(), Ct);
        }
    }
}
