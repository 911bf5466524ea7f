using System.ComponentModel.DataAnnotations;

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
}

public sealed class CatalogOptions
{
    public const string Section = "Catalog";

    /// <summary>The seller's catalog.json; PDFs it names are read from the same folder.</summary>
    [Required(ErrorMessage = "Catalog:Path (Catalog__Path) is required: the seller's catalog.json")]
    public string Path { get; set; } = "catalog/catalog.json";
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

public sealed class ReconciliationOptions
{
    public const string Section = "Reconciliation";

    /// <summary>How often the background job lists recent payments (SelfHost; the Functions timer has its own schedule).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How far back each run looks; Stripe retries a webhook for three days, so a day catches what it gave up on sooner.</summary>
    public TimeSpan Lookback { get; set; } = TimeSpan.FromDays(1);

    public bool Enabled { get; set; } = true;
}
