using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using PostPurchase.Purchases;

namespace PostPurchase.Infrastructure;

public sealed class StripeOptions
{
    public const string Section = "Stripe";

    /// <summary>The endpoint's signing secret (whsec_…): `stripe listen` prints one for local runs.</summary>
    [Required(ErrorMessage = "Stripe:WebhookSecret (Stripe__WebhookSecret) is required: the endpoint's signing secret, whsec_…")]
    public string WebhookSecret { get; set; } = "";

    /// <summary>Secret API key, used to read line items and charges when an event lacks them. Optional.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Stripe API base; only changed to point at a local stand-in.</summary>
    public string ApiBase { get; set; } = "https://api.stripe.com";

    [Range(1, 3600)]
    public int ToleranceSeconds { get; set; } = 300;
}

public sealed class SendGridOptions
{
    public const string Section = "SendGrid";

    /// <summary>When empty, mail goes to the outbox folder as .eml files instead of leaving the machine.</summary>
    public string? ApiKey { get; set; }

    [Required(ErrorMessage = "SendGrid:FromEmail (SendGrid__FromEmail) is required: the sender address buyers see")]
    [EmailAddress]
    public string FromEmail { get; set; } = "";

    public string? FromName { get; set; }

    /// <summary>SendGrid API host; only changed to point at a local stand-in.</summary>
    public string Host { get; set; } = "https://api.sendgrid.com";

    public string OutboxPath { get; set; } = ".outbox";

    /// <summary>A product PDF larger than this is not attached: the welcome mail carries a signed, expiring download link instead.</summary>
    [Range(0, 30 * 1024 * 1024)]
    public int MaxAttachmentBytes { get; set; } = 7 * 1024 * 1024;

    /// <summary>How long a PDF download link (/api/files/…) keeps working.</summary>
    [Range(1, 3650)]
    public int DownloadLinkDays { get; set; } = 30;

    /// <summary>Optional address that gets a blind copy of every buyer mail (the seller's archive); de-duplicated against the recipient.</summary>
    [EmailAddress]
    public string? BccEmail { get; set; }

    /// <summary>
    /// The Event Webhook's verification key (Mail Settings → Signed Event Webhook, base64 of the ECDSA P-256 public key).
    /// Empty = POST /api/webhooks/sendgrid-events answers 401 to everything.
    /// </summary>
    public string? EventWebhookPublicKey { get; set; }

    /// <summary>When a buyer's address bounces (or is dropped or reported as spam), tell the seller on Slack (or by mail when Slack is dead).</summary>
    public bool AlertSellerOnBounce { get; set; } = true;
}

public sealed class SlackOptions
{
    public const string Section = "Slack";

    /// <summary>Incoming-webhook URL (a secret). When empty, alerts are appended to <see cref="SinkPath"/>.</summary>
    public string? WebhookUrl { get; set; }

    public string SinkPath { get; set; } = ".slack/alerts.jsonl";
}

public sealed class LinksOptions
{
    public const string Section = "Links";

    [Required(ErrorMessage = "Links:SigningKey (Links__SigningKey) is required: a long random string that signs survey and access links")]
    [MinLength(32, ErrorMessage = "Links:SigningKey must be at least 32 characters")]
    public string SigningKey { get; set; } = "";

    /// <summary>The public address buyers reach the app at; links in mails are built on it.</summary>
    [Required(ErrorMessage = "Links:BaseUrl (Links__BaseUrl) is required, e.g. https://<app>.azurewebsites.net")]
    [Url]
    public string BaseUrl { get; set; } = "http://localhost:7071";
}

public sealed class JourneyOptions
{
    public const string Section = "Journey";

    [Range(0.0, 365.0)]
    public double ReviewAfterDays { get; set; } = 3;

    [Range(0.0, 365.0)]
    public double ReminderAfterDays { get; set; } = 7;

    [Range(0.0, 365.0)]
    public double CloseAfterDays { get; set; } = 14;

    /// <summary>How long a "day" lasts; a demo sets 00:00:05 to watch a two-week journey in a minute.</summary>
    public TimeSpan DayLength { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Buyer-local hours for the day-3 and day-7 mails ("09:00-20:00"; "any" for no window). Due outside → sent when it opens.</summary>
    [RegularExpression(@"^\s*(any|\d\d:\d\d\s*-\s*\d\d:\d\d)?\s*$", ErrorMessage = "Journey:FollowUpWindow looks like 09:00-20:00 (or any)")]
    public string FollowUpWindow { get; set; } = "09:00-20:00";

    /// <summary>Buyer-local hours for the next-product offer (advertising): Korean law forbids ad mail 21:00–08:00.</summary>
    [RegularExpression(@"^\s*(any|\d\d:\d\d\s*-\s*\d\d:\d\d)?\s*$", ErrorMessage = "Journey:OfferWindow looks like 08:00-21:00 (or any)")]
    public string OfferWindow { get; set; } = "08:00-21:00";

    /// <summary>Minutes (of a journey day) the journey waits after the first survey click for a changed score or a comment.</summary>
    [Range(0.0, 1440.0)]
    public double ReplyGraceMinutes { get; set; } = 10;

    /// <summary>When true the day-7 reminder only goes if SendGrid reported the welcome mail delivered (needs the event webhook).</summary>
    public bool ReminderNeedsDelivery { get; set; }

    /// <summary>Demo and tests only: the buyer's wall-clock time at each journey's payment, so compressed days land at chosen hours.</summary>
    public DateTimeOffset? WallClockStart { get; set; }
}

public sealed class CatalogOptions
{
    public const string Section = "Catalog";

    /// <summary>The seller's catalog.json; PDFs it names are read from the same folder.</summary>
    [Required(ErrorMessage = "Catalog:Path (Catalog__Path) is required: the seller's catalog.json")]
    public string Path { get; set; } = "catalog/catalog.json";
}

/// <summary>Loads the catalog at start, so a missing file or a typo in catalog.json stops start-up with the reason.</summary>
public sealed class CatalogOptionsValidation : IValidateOptions<CatalogOptions>
{
    public ValidateOptionsResult Validate(string? name, CatalogOptions options) =>
        CatalogLoader.Problem(options.Path) is { } problem
            ? ValidateOptionsResult.Fail($"Catalog:Path ({options.Path}): {problem}")
            : ValidateOptionsResult.Success;
}

public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>Key for the seller's admin routes (order status) on SelfHost, sent as the x-admin-key header.</summary>
    public string? ApiKey { get; set; }
}

public sealed class CrmOptions
{
    public const string Section = "Crm";

    /// <summary>Prefix for the CRM table names, so several shops or environments can share one storage account.</summary>
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{0,40}$|^$", ErrorMessage = "Crm:TablePrefix must be letters and digits, starting with a letter")]
    public string TablePrefix { get; set; } = "";
}

public sealed class TossOptions
{
    public const string Section = "Toss";

    /// <summary>The seller's secret key (test_sk_… / live_sk_…): the webhook is unsigned, so every delivery is re-read with it.</summary>
    public string? SecretKey { get; set; }

    /// <summary>Toss Payments API base; only changed to point at a local stand-in.</summary>
    [Url]
    public string ApiBase { get; set; } = "https://api.tosspayments.com";
}

public sealed class PayPalOptions
{
    public const string Section = "PayPal";

    /// <summary>REST app client id and secret (an OAuth2 client-credentials pair) used to verify webhooks and read orders.</summary>
    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>The id PayPal shows for the webhook registered on the app; verification fails for any other.</summary>
    public string? WebhookId { get; set; }

    /// <summary>https://api-m.paypal.com live, https://api-m.sandbox.paypal.com for sandbox, or a local stand-in.</summary>
    [Url]
    public string ApiBase { get; set; } = "https://api-m.paypal.com";
}

/// <summary>What to do with a receipt the buyer or seller forwarded: anyone can type one, so it is only a claim.</summary>
public enum ForwardedReceiptPolicy
{
    /// <summary>Store it and ask the seller on Slack; the seller grants with the replay door.</summary>
    Ask,

    /// <summary>Start the journey at once, tagged channel:forwarded-email.</summary>
    AutoGrant,
}

/// <summary>How a payment provider's notice mail is recognised: regular expressions on the sender address and the decoded subject.</summary>
public sealed class ReceiptSenderPattern
{
    public string From { get; set; } = "";

    public string Subject { get; set; } = "";
}

public sealed class InboundMailOptions
{
    public const string Section = "InboundMail";

    /// <summary>Secret expected as ?secret= in the Inbound Parse destination URL. Empty = this way is off.</summary>
    public string? Secret { get; set; }

    /// <summary>Basic-auth pair expected on the destination URL (https://user:pass@host/…). Empty = this way is off.</summary>
    public string? BasicAuthUser { get; set; }

    public string? BasicAuthPassword { get; set; }

    public ForwardedReceiptPolicy ForwardedReceipts { get; set; } = ForwardedReceiptPolicy.Ask;

    /// <summary>
    /// Provider name (toss, kakaopay, naverpay …) → sender and subject patterns, learned from the seller's real mail.
    /// The key becomes the purchase's provider, so a notice and that provider's webhook for one payment share a journey.
    /// </summary>
    public Dictionary<string, ReceiptSenderPattern> Senders { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["toss"] = new() { From = @"tosspayments|toss\.im", Subject = @"^\s*\[(Toss|토스페이먼츠|토스)\]\s*결제\s*완료" },
        ["kakaopay"] = new() { From = @"kakaopay|kakao", Subject = @"카카오페이.*(결제|영수증|주문)|\[KakaoPay\]" },
        ["naverpay"] = new() { From = @"naverpay|navercorp|naver\.com", Subject = @"\[네이버\s*페이\].*(주문|결제)" },
    };
}

public sealed class ReconciliationOptions
{
    public const string Section = "Reconciliation";

    /// <summary>How often the background job lists recent payments (SelfHost; the Functions timer has its own schedule).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How far back each run looks; Stripe retries a webhook for three days, so a day catches what it gave up on sooner.</summary>
    public TimeSpan Lookback { get; set; } = TimeSpan.FromDays(1);

    public bool Enabled { get; set; } = true;
}
