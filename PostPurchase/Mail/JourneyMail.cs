using PostPurchase.Purchases;

namespace PostPurchase.Mail;

public sealed record ScoreLink(int Score, string Url);

/// <summary>Absolute, signed links placed in a journey mail. Access links go through /api/go/{token}.</summary>
public sealed record JourneyLinks(
    IReadOnlyList<ProductLink> AccessLinks,
    IReadOnlyList<ScoreLink> SurveyLinks,
    string? UnsubscribeUrl);

/// <summary>What a template gets to place: the order, the product's copy in the buyer's language, the links.</summary>
public sealed record JourneyMail(
    MailKind Kind,
    string IdempotencyKey,
    Purchase Purchase,
    Product Product,
    Seller Seller,
    JourneyLinks Links);
