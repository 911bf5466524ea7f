using System.Text.Encodings.Web;
using System.Text.Unicode;
using PostPurchase.Purchases;

namespace PostPurchase.BuyerActions;

/// <summary>The small server-rendered pages a buyer lands on from a mail: mobile-first, no script, Korean or English.</summary>
public static class BuyerPages
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    public static string SurveyThanks(string locale, int score, string productName) => Locales.IsKorean(locale)
        ? Page(locale, "소중한 의견 감사합니다", $"{productName}에 {score}점을 주셨어요. 더 나은 자료로 보답하겠습니다.")
        : Page(locale, "Thank you for your feedback", $"You rated {productName} {score} out of 5. It helps us make it better.");

    public static string Unsubscribed(string locale) => Locales.IsKorean(locale)
        ? Page(locale, "수신 거부가 완료되었습니다", "더 이상 광고성 메일을 보내지 않습니다. 구매하신 상품의 안내 메일은 계속 받으실 수 있습니다.")
        : Page(locale, "You are unsubscribed", "You will get no more offers from us. Mail about the product you bought still reaches you.");

    public static string LinkNotFound(string? locale) => Locales.IsKorean(locale)
        ? Page(Locales.Korean, "링크를 찾을 수 없습니다", "링크가 잘못되었거나 만료되었습니다. 받으신 메일의 링크를 다시 눌러 주시거나 판매자에게 문의해 주세요.")
        : Page(Locales.English, "This link does not work", "The link is wrong or has expired. Open it again from your e-mail, or contact the seller.");

    private static string Page(string locale, string title, string message) => $$"""
        <!doctype html>
        <html lang="{{Locales.Normalize(locale)}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{Html.Encode(title)}}</title>
        <style>
          body { margin: 0; font-family: system-ui, -apple-system, "Noto Sans KR", "Apple SD Gothic Neo", sans-serif; background: #f6f7f9; color: #1f2328; }
          main { max-width: 32rem; margin: 0 auto; padding: 2.5rem 1.25rem; }
          h1 { font-size: 1.5rem; line-height: 1.3; margin: 0 0 1rem; }
          p { font-size: 1rem; line-height: 1.6; margin: 0; }
        </style>
        </head>
        <body><main><h1>{{Html.Encode(title)}}</h1><p>{{Html.Encode(message)}}</p></main></body>
        </html>
        """;
}
