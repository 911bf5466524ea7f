using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PostPurchase.BuyerActions;
using PostPurchase.Infrastructure;
using PostPurchase.Mail;
using PostPurchase.Purchases;
using PostPurchase.Webhooks;

namespace PostPurchase.Bench;

/// <summary>4. Hot paths with BenchmarkDotNet: ns/op and bytes allocated per call.</summary>
internal static class Micro
{
    public static int Run(string[] args)
    {
        // In-process: no generated project to rebuild under the repo's strict build settings; short runs keep the suite to minutes.
        IConfig config = DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .WithOptions(ConfigOptions.DisableOptimizationsValidator);
        BenchmarkSwitcher.FromTypes([typeof(HotPaths)]).Run(args.Length == 0 ? ["--filter", "*"] : args, config);
        return 0;
    }
}

[MemoryDiagnoser]
public class HotPaths
{
    private const string Secret = "whsec_research_fixture_0000000000000000";
    private byte[] body = [];
    private string signature = "";
    private StripeWebhookHandler handler = null!;
    private MailComposer composer = null!;
    private JourneyMail welcome = null!;
    private byte[] receipt = [];
    private ReceiptParser receipts = null!;

    [GlobalSetup]
    public void Setup()
    {
        string root = RepoRoot();
        this.body = File.ReadAllBytes(Path.Combine(root, "Functions.Tests", "Fixtures", "samples", "stripe-checkout.session.completed-krw.json"));
        DateTimeOffset now = DateTimeOffset.UtcNow;
        this.signature = Sign(this.body, now.ToUnixTimeSeconds());
        this.handler = new StripeWebhookHandler(
            Options.Create(new StripeOptions { WebhookSecret = Secret }),
            StripeWebhookHandler.CreateStripeClient(new StripeOptions { WebhookSecret = Secret }, new HttpClient()),
            new FixedTime(now),
            NullLogger<StripeWebhookHandler>.Instance);

        Catalog catalog = CatalogLoader.Load(Path.Combine(root, "catalog", "catalog.json"));
        this.composer = new MailComposer(new CatalogProductFiles(catalog));
        LinkSigner links = new(Options.Create(new LinksOptions { SigningKey = "bench-link-signing-key-00000000000000000000", BaseUrl = "https://buyers.shop.example.com" }));
        Purchase purchase = this.handler.HandleAsync(this.body, this.signature, CancellationToken.None).GetAwaiter().GetResult().Purchase
            ?? throw new InvalidOperationException("the sample did not verify");
        Product product = catalog.Find(purchase.Sku, purchase.ProductName) ?? throw new InvalidOperationException("sample product not in catalog");
        const string id = "stripe-pi_3R2kAaExampleKRW0001";
        JourneyLinks journeyLinks = new(
            [.. product.CopyFor(purchase.Buyer.Locale).AccessLinks.Select((l, i) => l with { Url = links.Url(new LinkClaim(LinkPurpose.Access, id, i)) })],
            [],
            null);
        this.welcome = new JourneyMail(MailKind.Welcome, id + ":welcome", purchase, product, catalog.Seller, journeyLinks);

        // A Toss payment-complete receipt as SendGrid Inbound Parse delivers it in raw mode (the whole MIME message).
        this.receipt = File.ReadAllBytes(Path.Combine(root, "Functions.Tests", "Fixtures", "samples", "email-toss-payment-complete.eml"));
        this.receipts = new ReceiptParser(Options.Create(new InboundMailOptions()));
        if (!this.ParseReceiptMail().IsReceipt)
        {
            throw new InvalidOperationException("the receipt sample was not read as a receipt");
        }
    }

    /// <summary>A receipt e-mail: MIME decode (per-part charsets) and the receipt patterns (order number, amount, buyer).</summary>
    [Benchmark]
    public ReceiptReading ParseReceiptMail() => this.receipts.Read(InboundMailReader.FromMime(this.receipt));

    /// <summary>The webhook's CPU work: HMAC over the raw bytes, Stripe.net's event parse, the Purchase.</summary>
    [Benchmark]
    public async Task<WebhookVerdict> VerifyAndParseStripeCheckout() => await this.handler.HandleAsync(this.body, this.signature, CancellationToken.None);

    /// <summary>The Korean welcome mail: Liquid templates (HTML and text), the PDF attachment, headers.</summary>
    [Benchmark]
    public OutgoingMail RenderWelcomeMail() => this.composer.Compose(this.welcome);

    private static string Sign(byte[] payload, long t)
    {
        byte[] mac = System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Secret), (byte[])[.. System.Text.Encoding.UTF8.GetBytes($"{t}."), .. payload]);
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    private static string RepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "PostPurchaseFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}

/// <summary>The clock stands still at signing time, so the signature stays inside the tolerance however long the run takes.</summary>
internal sealed class FixedTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
