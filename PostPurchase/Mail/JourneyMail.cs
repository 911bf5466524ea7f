using PostPurchase.Purchases;

namespace PostPurchase.Mail;

public sealed record ScoreLink(int Score, string Url);

/// <summary>Absolute, signed links placed in a journey mail. Access links go through /api/go/{token}.</summary>
public sealed record JourneyLinks(
    IReadOnlyList<ProductLink> AccessLinks,
    IReadOnlyList<ScoreLink> SurveyLinks,
    string? UnsubscribeUrl)
{
    /// <summary>Tracked stand-ins for the catalog's refund, FAQ and offer URLs (/api/go/…); null → the catalog's URL as is.</summary>
    public string? RefundPolicyUrl { get; init; }

    public string? FaqUrl { get; init; }

    public string? OfferUrl { get; init; }

    /// <summary>Signed, expiring /api/files/… link used instead of the PDF attachment when the file is too large to attach.</summary>
    public string? PdfDownloadUrl { get; init; }

    public DateTimeOffset? PdfLinkExpiresAt { get; init; }
}

/// <summary>An alert to the seller by mail, when Slack cannot take it (the hook is dead) or no Slack is configured.</summary>
public sealed record SellerAlertMail(
    string IdempotencyKey,
    Seller Seller,
    string Headline,
    IReadOnlyList<KeyValuePair<string, string>> Fields,
    string? BuyerText,
    string? SlackProblem);

/// <summary>What a template gets to place: the order, the product's copy in the buyer's language, the links.</summary>
public sealed record JourneyMail(
    MailKind Kind,
    string IdempotencyKey,
    Purchase Purchase,
    Product Product,
    Seller Seller,
    JourneyLinks Links);
