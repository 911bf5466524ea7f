using System.Text.Encodings.Web;
using System.Text.Unicode;
using PostPurchase.Mail;
using PostPurchase.Purchases;

namespace PostPurchase.Tests.Mail;

public sealed class MailComposerTests
{
    // What the composer's HTML encoder makes of a value: how a correct href or text node looks in the HTML part.
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    public static TheoryData<MailKind, string> KindsAndBuyers => new()
    {
        { MailKind.Welcome, Locales.Korean }, { MailKind.Welcome, Locales.English },
        { MailKind.ReviewRequest, Locales.Korean }, { MailKind.ReviewRequest, Locales.English },
        { MailKind.Reminder, Locales.Korean }, { MailKind.Reminder, Locales.English },
        { MailKind.NextProductOffer, Locales.Korean }, { MailKind.NextProductOffer, Locales.English },
    };

    [Theory]
    [MemberData(nameof(KindsAndBuyers))]
    public void Every_template_renders_in_strict_mode_with_the_buyers_amount_product_and_greeting(MailKind kind, string language)
    {
        bool korean = language == Locales.Korean;
        Purchase purchase = korean ? MailSamples.KoreanPurchase() : MailSamples.EnglishPurchase();

        OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(kind, purchase));

        string product = korean ? MailSamples.KoreanName : MailSamples.EnglishName;
        string offer = korean ? "노션 재무 대시보드" : "Notion Finance Dashboard";
        Assert.Contains(kind == MailKind.NextProductOffer ? offer : product, mail.Subject, StringComparison.Ordinal);
        Assert.Contains(product, mail.Text, StringComparison.Ordinal);
        Assert.Contains(Html.Encode(product), mail.Html, StringComparison.Ordinal);
        Assert.Contains(korean ? "김민지님" : "Hi Alex Rivera", mail.Text, StringComparison.Ordinal);
        Assert.Contains(korean ? "<html lang=\"ko\">" : "<html lang=\"en\">", mail.Html, StringComparison.Ordinal);
        Assert.Contains("max-width:600px", mail.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", mail.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<script", mail.Html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("{{", mail.Html + mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("{%", mail.Html + mail.Text, StringComparison.Ordinal);
        Assert.Equal(purchase.Buyer.Email, mail.ToEmail);
        Assert.Equal(purchase.Buyer.Name, mail.ToName);
        Assert.Equal(kind, mail.Kind);
        if (kind == MailKind.Welcome)
        {
            // KRW has no minor unit: 39000 is 39,000원, never 390.00; USD 2900 cents is $29.00.
            string amount = korean ? "39,000원" : "$29.00";
            Assert.Contains(amount, mail.Text, StringComparison.Ordinal);
            Assert.Contains(amount, mail.Html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Korean_welcome_confirms_the_payment_in_won_and_seoul_time_with_every_access_link_and_the_pdf()
    {
        JourneyMail journeyMail = MailSamples.Mail(MailKind.Welcome, MailSamples.KoreanPurchase());

        OutgoingMail mail = MailSamples.StrictComposer().Compose(journeyMail);

        Assert.Equal("[노션 업무 자동화 템플릿 패키지] 결제가 완료되었습니다", mail.Subject);
        foreach (string part in new[] { mail.Text, mail.Html })
        {
            Assert.Contains("39,000원", part, StringComparison.Ordinal);
            Assert.Contains("2025년 3월 14일 21:07", part, StringComparison.Ordinal);
            Assert.Contains("A-1001", part, StringComparison.Ordinal);
            Assert.Contains("https://minji-notion.example/refund", part, StringComparison.Ordinal);
            Assert.Contains("https://minji-notion.example/faq", part, StringComparison.Ordinal);
            Assert.Contains(MailSamples.PdfFileName, part, StringComparison.Ordinal);
            Assert.Contains("'템플릿 복제하기'를 눌러", part.Replace("&#x27;", "'", StringComparison.Ordinal), StringComparison.Ordinal);
        }

        AssertAccessLinks(journeyMail.Links, mail);
        MailAttachment pdf = Assert.Single(mail.Attachments);
        Assert.Equal(MailSamples.PdfFileName, pdf.FileName);
        Assert.Equal("application/pdf", pdf.ContentType);
        Assert.Equal(MailSamples.PdfBytes, pdf.Content);
        Assert.Empty(mail.Headers);
    }

    [Fact]
    public void English_welcome_shows_dollars_the_buyers_own_time_zone_and_the_english_copy()
    {
        JourneyMail journeyMail = MailSamples.Mail(MailKind.Welcome, MailSamples.EnglishPurchase());

        OutgoingMail mail = MailSamples.StrictComposer().Compose(journeyMail);

        Assert.Equal("Your Notion Automation Template Pack is ready", mail.Subject);
        Assert.Contains("$29.00", mail.Text, StringComparison.Ordinal);
        Assert.Contains("March 14, 2025 8:07 AM", mail.Text, StringComparison.Ordinal);   // New York, daylight time
        Assert.Contains("pi_3UsdEnglishBuyer", mail.Text, StringComparison.Ordinal);       // no order number: the payment id
        Assert.Contains("Log in to Notion.", mail.Html, StringComparison.Ordinal);
        Assert.Contains("https://minji-notion.example/en/refund", mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("노션 업무", mail.Text, StringComparison.Ordinal);   // the Korean copy
        AssertAccessLinks(journeyMail.Links, mail);
        Assert.Equal(MailSamples.PdfBytes, Assert.Single(mail.Attachments).Content);
    }

    [Fact]
    public void An_english_buyer_paying_in_won_sees_the_won_sign_and_an_unknown_time_zone_falls_back_to_utc()
    {
        Purchase purchase = MailSamples.EnglishPurchase() with
        {
            Amount = Money.Of(39000, "KRW"),
            Buyer = new Buyer(MailSamples.EnglishEmail, "Alex Rivera", "en", "Mars/Olympus_Mons"),
        };

        OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(MailKind.Welcome, purchase));

        Assert.Contains("₩39,000", mail.Text, StringComparison.Ordinal);
        Assert.Contains("March 14, 2025 12:07 PM (UTC)", mail.Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Locales.Korean)]
    [InlineData(Locales.English)]
    public void Review_request_offers_five_one_click_scores_from_very_dissatisfied_to_very_satisfied(string language)
    {
        bool korean = language == Locales.Korean;
        JourneyMail journeyMail = MailSamples.Mail(MailKind.ReviewRequest, korean ? MailSamples.KoreanPurchase() : MailSamples.EnglishPurchase());

        OutgoingMail mail = MailSamples.StrictComposer().Compose(journeyMail);

        string[] labels = korean
            ? ["매우 불만족", "불만족", "보통", "만족", "매우 만족"]
            : ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"];
        int previous = -1;
        foreach (ScoreLink link in journeyMail.Links.SurveyLinks)
        {
            Assert.Contains($"{link.Score} {labels[link.Score - 1]}: {link.Url}", mail.Text, StringComparison.Ordinal);
            int at = mail.Html.IndexOf($"href=\"{Html.Encode(link.Url)}\"", StringComparison.Ordinal);
            Assert.True(at > previous, $"score {link.Score} link missing or out of order in the HTML part");
            Assert.Contains(labels[link.Score - 1], mail.Html[at..], StringComparison.Ordinal);
            previous = at;
        }

        Assert.Empty(mail.Attachments);
        Assert.Equal(
            korean ? "[노션 업무 자동화 템플릿 패키지] 이용은 어떠세요? 클릭 한 번으로 알려주세요" : "How are you finding Notion Automation Template Pack? One click to tell us",
            mail.Subject);
    }

    [Theory]
    [InlineData(Locales.Korean, "[노션 업무 자동화 템플릿 패키지] 아직 열어보지 않으셨어요", "아직 열어보지 않으신 것 같아요")]
    [InlineData(Locales.English, "You haven't opened Notion Automation Template Pack yet", "it looks like you haven't opened")]
    public void Reminder_says_the_content_is_unopened_and_repeats_the_access_links_and_guide(string language, string subject, string unopened)
    {
        bool korean = language == Locales.Korean;
        JourneyMail journeyMail = MailSamples.Mail(MailKind.Reminder, korean ? MailSamples.KoreanPurchase() : MailSamples.EnglishPurchase());

        OutgoingMail mail = MailSamples.StrictComposer().Compose(journeyMail);

        Assert.Equal(subject, mail.Subject);
        Assert.Contains(unopened, mail.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(unopened, mail.Html, StringComparison.OrdinalIgnoreCase);
        AssertAccessLinks(journeyMail.Links, mail);
        foreach (string step in journeyMail.Product.CopyFor(language).HowToUse)
        {
            Assert.Contains(step, mail.Text, StringComparison.Ordinal);
            Assert.Contains(Html.Encode(step), mail.Html, StringComparison.Ordinal);
        }

        Assert.Empty(mail.Attachments);
    }

    [Fact]
    public void Korean_offer_is_marked_as_advertising_with_the_sender_and_a_free_opt_out()
    {
        JourneyMail journeyMail = MailSamples.Mail(MailKind.NextProductOffer, MailSamples.KoreanPurchase());

        OutgoingMail mail = MailSamples.StrictComposer().Compose(journeyMail);

        Assert.StartsWith("(광고)", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("노션 재무 대시보드", mail.Subject, StringComparison.Ordinal);
        Assert.Contains("가계부와 세금 신고 자료를", mail.Text, StringComparison.Ordinal);
        Assert.Contains("https://minji-notion.example/finance", mail.Text, StringComparison.Ordinal);
        Assert.Contains("href=\"https://minji-notion.example/finance\"", mail.Html, StringComparison.Ordinal);
        Assert.Contains($"수신거부(Unsubscribe): {journeyMail.Links.UnsubscribeUrl}", mail.Text, StringComparison.Ordinal);
        Assert.Contains($"href=\"{Html.Encode(journeyMail.Links.UnsubscribeUrl!)}\"", mail.Html, StringComparison.Ordinal);
        Assert.Contains("전송자: 민지의 노션연구소", mail.Text, StringComparison.Ordinal);
        Assert.Contains("help@minji-notion.example", mail.Html, StringComparison.Ordinal);
        AssertListUnsubscribe(journeyMail, mail);
    }

    [Fact]
    public void English_offer_carries_the_sellers_postal_address_and_one_click_unsubscribe()
    {
        JourneyMail journeyMail = MailSamples.Mail(MailKind.NextProductOffer, MailSamples.EnglishPurchase());

        OutgoingMail mail = MailSamples.StrictComposer().Compose(journeyMail);

        Assert.Equal("Next for you: Notion Finance Dashboard", mail.Subject);
        Assert.Contains("Budgets and tax paperwork", mail.Html, StringComparison.Ordinal);
        Assert.Contains(MailSamples.Seller.Address!, mail.Text, StringComparison.Ordinal);
        Assert.Contains(Html.Encode(MailSamples.Seller.Address!), mail.Html, StringComparison.Ordinal);
        Assert.Contains($"Unsubscribe: {journeyMail.Links.UnsubscribeUrl}", mail.Text, StringComparison.Ordinal);
        Assert.Contains($"href=\"{Html.Encode(journeyMail.Links.UnsubscribeUrl!)}\"", mail.Html, StringComparison.Ordinal);
        AssertListUnsubscribe(journeyMail, mail);
    }

    [Theory]
    [InlineData(Locales.Korean)]
    [InlineData(Locales.English)]
    public void A_buyer_name_with_markup_is_encoded_in_html_and_left_plain_in_text(string language)
    {
        const string name = "<script>alert(1)</script> & \"x\"";
        Purchase purchase = language == Locales.Korean ? MailSamples.KoreanPurchase(name) : MailSamples.EnglishPurchase(name);

        foreach (MailKind kind in new[] { MailKind.Welcome, MailKind.ReviewRequest, MailKind.Reminder, MailKind.NextProductOffer })
        {
            OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(kind, purchase));

            Assert.DoesNotContain("<script>", mail.Html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("\"x\"", mail.Html, StringComparison.Ordinal);
            Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;", mail.Html, StringComparison.Ordinal);
            Assert.Contains(name, mail.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_product_name_with_markup_is_encoded_in_html()
    {
        Product product = MailSamples.Product(koreanName: "A&B <b>특가</b> 패키지");

        OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(MailKind.Welcome, MailSamples.KoreanPurchase(), product));

        Assert.DoesNotContain("<b>특가</b>", mail.Html, StringComparison.Ordinal);
        Assert.Contains("A&amp;B &lt;b&gt;특가&lt;/b&gt; 패키지", mail.Html, StringComparison.Ordinal);
        Assert.Equal("[A&B <b>특가</b> 패키지] 결제가 완료되었습니다", mail.Subject);   // a subject is plain text
    }

    [Theory]
    [InlineData(Locales.Korean, null, "고객님, 구매해 주셔서 감사합니다.")]
    [InlineData(Locales.Korean, "  ", "고객님, 구매해 주셔서 감사합니다.")]
    [InlineData(Locales.English, null, "Hi there,")]
    public void A_buyer_without_a_name_is_greeted_generically(string language, string? name, string greeting)
    {
        Purchase purchase = language == Locales.Korean ? MailSamples.KoreanPurchase(name) : MailSamples.EnglishPurchase(name);

        OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(MailKind.Welcome, purchase));

        Assert.StartsWith(greeting, mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("고객님님", mail.Html, StringComparison.Ordinal);
        Assert.Null(mail.ToName);
    }

    [Fact]
    public void A_product_without_a_pdf_gets_no_attachment_and_no_mention_of_one()
    {
        Product product = MailSamples.Product(pdfFile: null);

        OutgoingMail mail = MailSamples.StrictComposer().Compose(MailSamples.Mail(MailKind.Welcome, MailSamples.KoreanPurchase(), product));

        Assert.Empty(mail.Attachments);
        Assert.DoesNotContain("PDF", mail.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("PDF", mail.Html, StringComparison.Ordinal);
    }

    [Fact]
    public void Seller_alerts_are_not_composed_as_mail()
    {
        Assert.Throws<ArgumentException>(() =>
            MailSamples.StrictComposer().Compose(MailSamples.Mail(MailKind.SellerAlert, MailSamples.KoreanPurchase())));
    }

    [Fact]
    public void An_offer_without_an_unsubscribe_link_is_refused()
    {
        JourneyMail journeyMail = MailSamples.Mail(MailKind.NextProductOffer, MailSamples.KoreanPurchase());
        JourneyMail withoutOptOut = journeyMail with { Links = journeyMail.Links with { UnsubscribeUrl = null } };

        Assert.Throws<ArgumentException>(() => MailSamples.StrictComposer().Compose(withoutOptOut));
    }

    [Fact]
    public void The_production_composer_renders_the_same_mail_as_the_strict_one()
    {
        JourneyMail journeyMail = MailSamples.Mail(MailKind.Welcome, MailSamples.KoreanPurchase());

        OutgoingMail lenient = new MailComposer(new InMemoryProductFiles()).Compose(journeyMail);
        OutgoingMail strict = MailSamples.StrictComposer().Compose(journeyMail);

        Assert.Equal(strict.Html, lenient.Html);
        Assert.Equal(strict.Text, lenient.Text);
    }

    private static void AssertAccessLinks(JourneyLinks links, OutgoingMail mail)
    {
        Assert.NotEmpty(links.AccessLinks);
        foreach (ProductLink link in links.AccessLinks)
        {
            Assert.Contains(link.Url, mail.Text, StringComparison.Ordinal);                         // verbatim, no rewriting
            Assert.Contains($"href=\"{Html.Encode(link.Url)}\"", mail.Html, StringComparison.Ordinal); // "&" as "&amp;" in the attribute
            Assert.Contains(link.Label, mail.Text, StringComparison.Ordinal);
        }
    }

    private static void AssertListUnsubscribe(JourneyMail journeyMail, OutgoingMail mail)
    {
        Assert.Equal($"<{journeyMail.Links.UnsubscribeUrl}>", mail.Headers["List-Unsubscribe"]);
        Assert.Equal("List-Unsubscribe=One-Click", mail.Headers["List-Unsubscribe-Post"]);
    }
}
