using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Fluid;
using PostPurchase.BuyerActions;
using PostPurchase.Purchases;

namespace PostPurchase.Mail;

/// <summary>
/// Turns a journey step into a finished mail: subject, HTML and plain-text twins rendered from the embedded
/// Liquid templates in the buyer's language, list headers and attachments. Stateless and thread-safe.
/// </summary>
public sealed class MailComposer
{
    private const string ResourcePrefix = "PostPurchase.Mail.Templates.";

    // Escapes <, >, &, quotes and + but keeps Hangul readable (HtmlEncoder.Default would emit &#xAE40;…).
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    private static readonly FluidParser Parser = new();

    // Parsed once per process; templates are embedded, so they cannot change while it runs.
    private static readonly Lazy<FrozenDictionary<string, IFluidTemplate>> Templates = new(LoadTemplates);

    private static readonly TemplateOptions Lenient = NewOptions(strict: false);
    private static readonly TemplateOptions Strict = NewOptions(strict: true);

    private readonly IProductFiles productFiles;
    private readonly TemplateOptions options;

    /// <summary>A PDF larger than this goes as a signed download link (when the mail has one) instead of an attachment.</summary>
    public int MaxAttachmentBytes { get; init; } = int.MaxValue;

    public MailComposer(IProductFiles productFiles)
        : this(productFiles, strictVariables: false)
    {
    }

    /// <summary>Strict variables turn a misspelt placeholder into an exception; the tests render every template this way.</summary>
    internal MailComposer(IProductFiles productFiles, bool strictVariables)
    {
        ArgumentNullException.ThrowIfNull(productFiles);
        this.productFiles = productFiles;
        this.options = strictVariables ? Strict : Lenient;
    }

    public OutgoingMail Compose(JourneyMail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (mail.Purchase.Buyer.Email is not { Length: > 0 } toEmail)
        {
            throw new ArgumentException("The buyer has no e-mail address; the journey must not mail this order.", nameof(mail));
        }

        string template = TemplateName(mail.Kind);
        string language = Locales.Normalize(mail.Purchase.Buyer.Locale);
        ProductFile? pdf = mail.Kind == MailKind.Welcome ? this.productFiles.GetPdf(mail.Product) : null;
        bool pdfAsLink = pdf is not null && pdf.Content.Length > this.MaxAttachmentBytes && !string.IsNullOrEmpty(mail.Links.PdfDownloadUrl);
        MailModel model = BuildModel(mail, language, pdf, pdfAsLink);

        Dictionary<string, string> headers = new(StringComparer.OrdinalIgnoreCase);
        if (mail.Kind == MailKind.NextProductOffer)
        {
            // RFC 2369 + RFC 8058: Gmail and Yahoo require one-click unsubscribe on promotional mail.
            headers["List-Unsubscribe"] = $"<{model.UnsubscribeUrl}>";
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
        }

        return new OutgoingMail(
            mail.Kind,
            mail.IdempotencyKey,
            toEmail,
            string.IsNullOrWhiteSpace(mail.Purchase.Buyer.Name) ? null : mail.Purchase.Buyer.Name.Trim(),
            Subject(mail.Kind, language, model),
            this.Render($"{template}.{language}.html", model, Html),
            this.Render($"{template}.{language}.txt", model, encoder: null),
            pdf is null || pdfAsLink ? [] : [new MailAttachment(pdf.FileName, pdf.ContentType, pdf.Content)],
            headers);
    }

    /// <summary>An alert to the seller's contact address, in the seller's language, when Slack cannot take it.</summary>
    public OutgoingMail ComposeSellerAlert(SellerAlertMail alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        string language = Locales.Normalize(alert.Seller.Locale ?? Locales.Korean);
        SellerAlertModel model = new(
            alert.Seller.Name,
            alert.Headline,
            [.. alert.Fields.Select(f => new FieldModel(f.Key, f.Value))],
            !string.IsNullOrWhiteSpace(alert.BuyerText),
            alert.BuyerText?.Trim() ?? "",
            !string.IsNullOrWhiteSpace(alert.SlackProblem),
            alert.SlackProblem ?? "");
        string subject = language == Locales.Korean ? $"[판매자 알림] {alert.Headline}" : $"[Seller alert] {alert.Headline}";
        return new OutgoingMail(
            MailKind.SellerAlert,
            alert.IdempotencyKey,
            alert.Seller.ContactEmail,
            alert.Seller.Name,
            subject,
            this.Render($"seller-alert.{language}.html", model, Html),
            this.Render($"seller-alert.{language}.txt", model, encoder: null),
            [],
            new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase));
    }

    private string Render(string name, object model, TextEncoder? encoder)
    {
        IFluidTemplate template = Templates.Value.TryGetValue(name, out IFluidTemplate? found) ? found
            : throw new InvalidOperationException($"Mail template {name}.liquid is not embedded in the assembly.");
        TemplateContext context = new(model, this.options);
        return encoder is null ? template.Render(context) : template.Render(context, encoder);
    }

    private static string TemplateName(MailKind kind) => kind switch
    {
        MailKind.Welcome => "welcome",
        MailKind.ReviewRequest => "review",
        MailKind.Reminder => "reminder",
        MailKind.NextProductOffer => "offer",
        _ => throw new ArgumentException($"{kind} mails are not composed here (seller alerts go to Slack).", nameof(kind)),
    };

    private static string Subject(MailKind kind, string language, MailModel m) => (kind, language) switch
    {
        (MailKind.Welcome, Locales.Korean) => $"[{m.ProductName}] 결제가 완료되었습니다",
        (MailKind.Welcome, _) => $"Your {m.ProductName} is ready",
        (MailKind.ReviewRequest, Locales.Korean) => $"[{m.ProductName}] 이용은 어떠세요? 클릭 한 번으로 알려주세요",
        (MailKind.ReviewRequest, _) => $"How are you finding {m.ProductName}? One click to tell us",
        (MailKind.Reminder, Locales.Korean) => $"[{m.ProductName}] 아직 열어보지 않으셨어요",
        (MailKind.Reminder, _) => $"You haven't opened {m.ProductName} yet",
        // 정보통신망법 제50조: an advertising mail's subject must start with "(광고)".
        (MailKind.NextProductOffer, Locales.Korean) => $"(광고) [{m.Seller.Name}] {m.Offer.Name} 안내",
        (MailKind.NextProductOffer, _) => $"Next for you: {m.Offer.Name}",
        _ => throw new ArgumentException($"{kind} mails are not composed here.", nameof(kind)),
    };

    private static MailModel BuildModel(JourneyMail mail, string language, ProductFile? pdf, bool pdfAsLink)
    {
        Purchase purchase = mail.Purchase;
        ProductCopy copy = mail.Product.CopyFor(language);
        bool korean = language == Locales.Korean;
        string? name = string.IsNullOrWhiteSpace(purchase.Buyer.Name) ? null : purchase.Buyer.Name.Trim();

        OfferModel offer = OfferModel.None;
        string unsubscribeUrl = mail.Links.UnsubscribeUrl ?? "";
        if (mail.Kind == MailKind.NextProductOffer)
        {
            NextProductOffer next = mail.Product.OfferFor(language)
                ?? throw new ArgumentException($"Product {mail.Product.Sku} has no next-product offer.", nameof(mail));
            if (string.IsNullOrWhiteSpace(mail.Links.UnsubscribeUrl))
            {
                // An advertising mail without a working opt-out is illegal in Korea and under CAN-SPAM.
                throw new ArgumentException("An offer mail needs an unsubscribe link.", nameof(mail));
            }

            offer = new OfferModel(next.Name, next.Pitch, mail.Links.OfferUrl ?? next.Url);
        }

        return new MailModel(
            GreetingName: korean ? (name is null ? "고객님" : $"{name}님") : name ?? "there",
            ProductName: copy.Name,
            Amount: purchase.Amount.Format(language),
            PaidAt: FormatPaidAt(purchase.PaidAt, purchase.Buyer.TimeZone, korean),
            OrderReference: string.IsNullOrWhiteSpace(purchase.OrderReference) ? purchase.PaymentId : purchase.OrderReference,
            AccessLinks: [.. mail.Links.AccessLinks.Select(l => new LinkModel(l.Label, l.Url))],
            HowToUse: copy.HowToUse,
            RefundPolicyUrl: mail.Links.RefundPolicyUrl ?? copy.RefundPolicyUrl,
            FaqUrl: mail.Links.FaqUrl ?? copy.FaqUrl,
            HasPdf: pdf is not null && !pdfAsLink,
            PdfFileName: pdf?.FileName ?? "",
            HasPdfLink: pdfAsLink,
            PdfDownloadUrl: pdfAsLink ? mail.Links.PdfDownloadUrl! : "",
            PdfLinkExpires: pdfAsLink && mail.Links.PdfLinkExpiresAt is { } expires ? FormatPaidAt(expires, purchase.Buyer.TimeZone, korean) : "",
            SurveyLinks: [.. mail.Links.SurveyLinks.OrderBy(s => s.Score).Select(s => new ScoreModel(s.Score, BuyerPages.ScoreLabel(s.Score, korean), s.Url))],
            Offer: offer,
            UnsubscribeUrl: unsubscribeUrl,
            Seller: new SellerModel(
                mail.Seller.Name,
                mail.Seller.ContactEmail,
                !string.IsNullOrWhiteSpace(mail.Seller.Address),
                mail.Seller.Address ?? ""));
    }

    /// <summary>"2025년 3월 14일 21:07" or "March 14, 2025 9:07 PM (UTC+09:00)", in the buyer's time zone (UTC when it is unknown).</summary>
    internal static string FormatPaidAt(DateTimeOffset paidAt, string? timeZone, bool korean)
    {
        bool known = TimeZoneInfo.TryFindSystemTimeZoneById(string.IsNullOrWhiteSpace(timeZone) ? "UTC" : timeZone, out TimeZoneInfo? zone);
        DateTimeOffset local = TimeZoneInfo.ConvertTime(paidAt, known ? zone! : TimeZoneInfo.Utc);
        string text = local.ToString(korean ? "yyyy년 M월 d일 HH:mm" : "MMMM d, yyyy h:mm tt", CultureInfo.InvariantCulture);
        // Korean buyers in Korea read Korean time without a label; everyone else is told which clock it is.
        if (korean && known && zone!.Id == "Asia/Seoul")
        {
            return text;
        }

        return local.Offset == TimeSpan.Zero ? text + " (UTC)" : text + local.ToString(" '(UTC'zzz')'", CultureInfo.InvariantCulture);
    }

    private static TemplateOptions NewOptions(bool strict) => new TemplateOptionsBuilder()
        .WithModelNamesComparer(StringComparers.SnakeCase)   // {{ product_name }} reads ProductName
        .WithCultureInfo(CultureInfo.InvariantCulture)
        .WithStrictVariables(strict)
        .Build();

    private static FrozenDictionary<string, IFluidTemplate> LoadTemplates()
    {
        Assembly assembly = typeof(MailComposer).Assembly;
        Dictionary<string, IFluidTemplate> templates = new(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(".liquid", StringComparison.Ordinal))
            {
                continue;
            }

            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using StreamReader reader = new(stream);
            string name = resource[ResourcePrefix.Length..^".liquid".Length];
            templates[name] = Parser.TryParse(reader.ReadToEnd(), out IFluidTemplate? template, out string? error)
                ? template
                : throw new InvalidOperationException($"Mail template {name}.liquid does not parse: {error}");
        }

        return templates.ToFrozenDictionary(StringComparer.Ordinal);
    }

    // What the templates can place, all strings and lists formatted in C#. Nothing is null: with strict
    // variables Fluid treats a null member as undefined, so "absent" is an empty string plus a flag.
    private sealed record MailModel(
        string GreetingName,
        string ProductName,
        string Amount,
        string PaidAt,
        string OrderReference,
        IReadOnlyList<LinkModel> AccessLinks,
        IReadOnlyList<string> HowToUse,
        string RefundPolicyUrl,
        string FaqUrl,
        bool HasPdf,
        string PdfFileName,
        bool HasPdfLink,
        string PdfDownloadUrl,
        string PdfLinkExpires,
        IReadOnlyList<ScoreModel> SurveyLinks,
        OfferModel Offer,
        string UnsubscribeUrl,
        SellerModel Seller);

    private sealed record LinkModel(string Label, string Url);

    private sealed record ScoreModel(int Score, string Label, string Url);

    private sealed record OfferModel(string Name, string Pitch, string Url)
    {
        public static readonly OfferModel None = new("", "", "");
    }

    private sealed record SellerModel(string Name, string ContactEmail, bool HasAddress, string Address);

    private sealed record SellerAlertModel(
        string SellerName,
        string Headline,
        IReadOnlyList<FieldModel> Fields,
        bool HasBuyerText,
        string BuyerText,
        bool SlackDead,
        string SlackProblem);

    private sealed record FieldModel(string Label, string Value);
}
