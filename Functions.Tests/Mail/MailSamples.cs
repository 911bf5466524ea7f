using System.Text;
using PostPurchase.Mail;
using PostPurchase.Purchases;

namespace PostPurchase.Tests.Mail;

/// <summary>A seller's catalog, two buyers and their signed links, built here so the tests do not depend on catalog.json.</summary>
internal static class MailSamples
{
    public const string Sku = "notion-automation-pack-v2";
    public const string KoreanName = "노션 업무 자동화 템플릿 패키지";
    public const string EnglishName = "Notion Automation Template Pack";
    public const string PdfFileName = "노션 자동화 가이드.pdf";
    public const string KoreanEmail = "minji.kim@example.com";
    public const string EnglishEmail = "alex.rivera@example.com";

    /// <summary>Any bytes will do; a PDF header makes a saved attachment recognisable.</summary>
    public static readonly byte[] PdfBytes = [.. Encoding.ASCII.GetBytes("%PDF-1.4\n% guide\n"), 0x00, 0xFF, 0x10, 0x80, .. Enumerable.Range(0, 300).Select(i => (byte)i)];

    // 2025-03-14 12:07 UTC = 21:07 in Seoul = 8:07 AM in New York (daylight time).
    public static readonly DateTimeOffset PaidAt = new(2025, 3, 14, 12, 7, 0, TimeSpan.Zero);

    public static readonly Seller Seller = new("민지의 노션연구소", "help@minji-notion.example", "서울특별시 마포구 월드컵로 1, 04001");

    public static Product Product(string? pdfFile = PdfFileName, string? koreanName = null) => new(
        Sku,
        Locales.Korean,
        new Dictionary<string, ProductCopy>
        {
            [Locales.Korean] = new(
                koreanName ?? KoreanName,
                [new ProductLink("템플릿 복제하기", "https://www.notion.so/minji/template-ko"), new ProductLink("강의 영상 보기", "https://video.example/ko")],
                ["노션에 로그인합니다.", "'템플릿 복제하기'를 눌러 내 워크스페이스로 복제합니다.", "대시보드의 '시작하기' 페이지를 엽니다."],
                "https://minji-notion.example/refund",
                "https://minji-notion.example/faq"),
            [Locales.English] = new(
                EnglishName,
                [new ProductLink("Duplicate the template", "https://www.notion.so/minji/template-en"), new ProductLink("Watch the course", "https://video.example/en")],
                ["Log in to Notion.", "Click 'Duplicate the template' to copy it into your workspace.", "Open the 'Start here' page on the dashboard."],
                "https://minji-notion.example/en/refund",
                "https://minji-notion.example/en/faq"),
        },
        pdfFile,
        new Dictionary<string, NextProductOffer>
        {
            [Locales.Korean] = new("notion-finance-dashboard", "노션 재무 대시보드", "https://minji-notion.example/finance", "가계부와 세금 신고 자료를 한 화면에서 자동으로 정리하세요."),
            [Locales.English] = new("notion-finance-dashboard", "Notion Finance Dashboard", "https://minji-notion.example/en/finance", "Budgets and tax paperwork, sorted automatically on one page."),
        });

    public static Purchase KoreanPurchase(string? name = "김민지") => new(
        "stripe", "pi_3KrwKoreanBuyer", "A-1001", new Buyer(KoreanEmail, name, "ko-KR"),
        Sku, KoreanName + " (디지털 다운로드)", Money.Of(39000, "KRW"), PaidAt, "stripe");

    public static Purchase EnglishPurchase(string? name = "Alex Rivera") => new(
        "stripe", "pi_3UsdEnglishBuyer", null, new Buyer(EnglishEmail, name, "en-US", "America/New_York"),
        Sku, EnglishName, Money.Of(2900, "USD"), PaidAt, "stripe");

    /// <summary>Signed, tracked links as LinkSigner would make them: '&amp;' in the query shows whether HTML encoding is right.</summary>
    public static JourneyLinks Links(string instanceId, ProductCopy copy) => new(
        [.. copy.AccessLinks.Select((link, index) => link with { Url = $"https://pp.example.net/api/go/{instanceId}.{index}?sig=Ab3_x-Z{index}&v=1" })],
        [.. Enumerable.Range(1, 5).Select(score => new ScoreLink(score, $"https://pp.example.net/api/survey/{instanceId}/{score}?sig=S{score}x&v=1"))],
        $"https://pp.example.net/api/unsubscribe/{instanceId}?sig=U9z&v=1");

    public static JourneyMail Mail(MailKind kind, Purchase purchase, Product? product = null)
    {
        string instanceId = $"stripe-{purchase.PaymentId.ToLowerInvariant()}";
        product ??= Product();
        return new JourneyMail(
            kind, $"{instanceId}:{kind.ToString().ToLowerInvariant()}", purchase, product, Seller, Links(instanceId, product.CopyFor(purchase.Buyer.Locale)));
    }

    public static MailComposer StrictComposer(IProductFiles? files = null) =>
        new(files ?? new InMemoryProductFiles(), strictVariables: true);
}

/// <summary>The product files a seller would put next to catalog.json, held in memory.</summary>
internal sealed class InMemoryProductFiles : IProductFiles
{
    public ProductFile? GetPdf(Product product) =>
        product.PdfFile is null ? null : new ProductFile(product.PdfFile, "application/pdf", MailSamples.PdfBytes);
}
