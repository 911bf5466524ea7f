namespace PostPurchase.Notifications;

/// <summary>
/// An alert to the seller. <see cref="BuyerText"/> is whatever the buyer typed (name, comment):
/// the notifier escapes it so it can never ping @channel or render a link.
/// </summary>
public sealed record SlackAlert(
    string IdempotencyKey,
    string Headline,
    IReadOnlyList<SlackField> Fields,
    string? BuyerText = null);

public sealed record SlackField(string Label, string Value);
