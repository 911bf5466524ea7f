using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using PostPurchase.Purchases;

namespace PostPurchase.BuyerActions;

/// <summary>A score the buyer can switch to from the survey page: its label and the page-relative signed link.</summary>
public sealed record ScoreChoice(int Score, string Label, string Path);

/// <summary>
/// The small server-rendered pages a buyer lands on from a mail: mobile-first, no script (forms and links only),
/// labelled controls, text contrast above 7:1, Korean or English by the order's language.
/// </summary>
public static class BuyerPages
{
    public const int MaxCommentLength = 2000;

    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    /// <summary>After a score click: thanks, the optional comment form, and the other scores to change one's mind.</summary>
    public static string SurveyThanks(string locale, int score, string productName, string formAction, IReadOnlyList<ScoreChoice> choices)
    {
        bool ko = Locales.IsKorean(locale);
        StringBuilder body = new();
        body.Append(P(ko ? $"{productName}에 {score}점({ScoreLabel(score, ko)})을 주셨어요. 더 나은 자료로 보답하겠습니다."
                         : $"You rated {productName} {score} out of 5 ({ScoreLabel(score, ko)}). It helps us make it better."));
        body.Append(CultureInfo.InvariantCulture, $"""
            <form method="post" action="{Html.Encode(formAction)}">
            <label for="comment">{Html.Encode(ko ? "더 하고 싶은 말씀이 있나요? (선택)" : "Anything you would like to add? (optional)")}</label>
            <textarea id="comment" name="comment" rows="5" maxlength="{MaxCommentLength}"></textarea>
            <button type="submit">{Html.Encode(ko ? "의견 보내기" : "Send comment")}</button>
            </form>
            """);
        body.Append(CultureInfo.InvariantCulture, $"<nav aria-label=\"{Html.Encode(ko ? "점수 바꾸기" : "Change your score")}\"><p class=\"small\">{Html.Encode(ko ? "마음이 바뀌셨나요? 다른 점수를 눌러 주세요." : "Changed your mind? Pick another score.")}</p><ul class=\"scores\">");
        foreach (ScoreChoice choice in choices)
        {
            string current = choice.Score == score ? " aria-current=\"true\"" : "";
            body.Append(CultureInfo.InvariantCulture, $"<li><a href=\"{Html.Encode(choice.Path)}\"{current}><strong>{choice.Score}</strong> {Html.Encode(choice.Label)}</a></li>");
        }

        body.Append("</ul></nav>");
        return Page(locale, ko ? "소중한 의견 감사합니다" : "Thank you for your feedback", body.ToString());
    }

    public static string CommentThanks(string locale) => Locales.IsKorean(locale)
        ? Page(locale, "의견을 잘 받았습니다", P("남겨 주신 말씀은 판매자가 직접 읽어 봅니다. 감사합니다."))
        : Page(locale, "We got your comment", P("The seller reads every comment personally. Thank you."));

    /// <summary>The journey already acted on the answer: nothing changes any more.</summary>
    public static string SurveyAlreadyReceived(string locale, int? score) => Locales.IsKorean(locale)
        ? Page(locale, "이미 응답을 받았습니다", P(score is { } s ? $"{s}점으로 응답해 주셨어요. 응답은 이미 반영되어 더 바꿀 수 없습니다. 감사합니다." : "응답은 이미 반영되었습니다. 감사합니다."))
        : Page(locale, "We already have your answer", P(score is { } n ? $"You answered {n} out of 5. It has already been acted on, so it can no longer change. Thank you." : "Your answer has already been acted on. Thank you."));

    public static string Unsubscribed(string locale, string sellerName) => Locales.IsKorean(locale)
        ? Page(locale, "수신 거부가 완료되었습니다", P($"{sellerName}의 광고성 메일을 더 이상 보내지 않습니다.") + P("구매하신 상품의 안내 메일(이용 방법, 리마인더)은 계속 받으실 수 있습니다.", "small"))
        : Page(locale, "You are unsubscribed", P($"You will get no more offers from {sellerName}.") + P("Mail about the product you bought (access, reminders) still reaches you.", "small"));

    public static string LinkNotFound(string? locale) => Locales.IsKorean(locale)
        ? Page(Locales.Korean, "링크를 찾을 수 없습니다", P("링크가 잘못되었거나 만료되었습니다. 받으신 메일의 링크를 다시 눌러 주시거나 판매자에게 문의해 주세요."))
        : Page(Locales.English, "This link does not work", P("The link is wrong or has expired. Open it again from your e-mail, or contact the seller."));

    public static string LinkExpired(string? locale, string contactEmail) => Locales.IsKorean(locale)
        ? Page(Locales.Korean, "내려받기 링크가 만료되었습니다", P("보안을 위해 내려받기 링크는 일정 기간만 열립니다. 새 링크가 필요하시면 판매자에게 문의해 주세요: ") + Mailto(contactEmail))
        : Page(Locales.English, "This download link has expired", P("Download links work for a limited time. For a new one, write to the seller: ") + Mailto(contactEmail));

    /// <summary>An access link of a refunded order: the content went with the refund.</summary>
    public static string AccessEnded(string? locale, string contactEmail) => Locales.IsKorean(locale)
        ? Page(Locales.Korean, "환불된 주문의 링크입니다", P("이 주문은 환불되어 콘텐츠 링크가 닫혔습니다. 문의는 판매자에게 보내 주세요: ") + Mailto(contactEmail))
        : Page(Locales.English, "This order was refunded", P("The content link closed with the refund. For questions, write to the seller: ") + Mailto(contactEmail));

    /// <summary>"ko" when the browser prefers Korean (Accept-Language), for pages whose order is unknown.</summary>
    public static string LocaleFromAcceptLanguage(string? acceptLanguage) =>
        acceptLanguage is { Length: > 0 } header && header.TrimStart().StartsWith("ko", StringComparison.OrdinalIgnoreCase) ? Locales.Korean : Locales.English;

    public static string ScoreLabel(int score, bool korean) => (score, korean) switch
    {
        (1, true) => "매우 불만족",
        (2, true) => "불만족",
        (3, true) => "보통",
        (4, true) => "만족",
        (5, true) => "매우 만족",
        (1, false) => "Very dissatisfied",
        (2, false) => "Dissatisfied",
        (3, false) => "Neutral",
        (4, false) => "Satisfied",
        (5, false) => "Very satisfied",
        _ => "",
    };

    private static string P(string text, string? cssClass = null) =>
        cssClass is null ? $"<p>{Html.Encode(text)}</p>" : $"<p class=\"{cssClass}\">{Html.Encode(text)}</p>";

    private static string Mailto(string email) => $"<p><a href=\"mailto:{Html.Encode(email)}\">{Html.Encode(email)}</a></p>";

    private static string Page(string locale, string title, string bodyHtml) => $$"""
        <!doctype html>
        <html lang="{{Locales.Normalize(locale)}}">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <title>{{Html.Encode(title)}}</title>
        <style>
          * { box-sizing: border-box; }
          body { margin: 0; font-family: system-ui, -apple-system, "Noto Sans KR", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; background: #f6f7f9; color: #1f2328; }
          main { max-width: 32rem; margin: 0 auto; padding: 2.5rem 1.25rem; overflow-wrap: anywhere; }
          h1 { font-size: 1.5rem; line-height: 1.3; margin: 0 0 1rem; }
          p { font-size: 1rem; line-height: 1.6; margin: 0 0 1rem; }
          .small { font-size: 0.9375rem; color: #424a53; }
          label { display: block; font-weight: 600; margin: 1.5rem 0 0.5rem; }
          textarea { display: block; width: 100%; font: inherit; padding: 0.75rem; border: 1px solid #6e7781; border-radius: 6px; background: #fff; color: #1f2328; }
          button { margin-top: 0.75rem; min-height: 44px; width: 100%; font: inherit; font-weight: 600; color: #fff; background: #0a58ca; border: 0; border-radius: 6px; padding: 0.75rem 1rem; cursor: pointer; }
          a { color: #0a58ca; }
          a:focus-visible, button:focus-visible, textarea:focus-visible { outline: 3px solid #1f2328; outline-offset: 2px; }
          ul.scores { list-style: none; padding: 0; margin: 0; display: grid; gap: 0.5rem; }
          ul.scores a { display: block; min-height: 44px; padding: 0.625rem 0.875rem; border: 1px solid #0a58ca; border-radius: 6px; background: #fff; text-decoration: none; }
          ul.scores a[aria-current] { background: #0a58ca; color: #fff; }
          nav { margin-top: 2rem; }
        </style>
        </head>
        <body><main><h1>{{Html.Encode(title)}}</h1>{{bodyHtml}}</main></body>
        </html>
        """;
}
