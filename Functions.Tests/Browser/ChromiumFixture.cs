using Microsoft.Playwright;

namespace PostPurchase.Tests.Browser;

/// <summary>
/// One headless Debian Chromium (/usr/bin/chromium, installed by .ci/browser.sh) driven by Playwright for the
/// browser tests. Playwright's own browser download is never used: ExecutablePath points at the system build,
/// and the driver is the node bundled in the NuGet package, so nothing is fetched at run time.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>A phone (iPhone SE/mini class) and a desktop viewport.</summary>
    public static readonly ViewportSize Phone = new() { Width = 375, Height = 740 };

    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 900 };

    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>bin/…/artifacts/screenshots: kept after the run so a person can look at them.</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");

    public async ValueTask InitializeAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: run .ci/browser.sh (apt-get install chromium fonts-noto-cjk).");
        Directory.CreateDirectory(ScreenshotFolder);
        this.playwright = await Playwright.CreateAsync();
        this.Browser = await this.playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>A fresh context (cookies, cache) at the given width; Korean locale and Seoul time when asked.</summary>
    public Task<IBrowserContext> NewContextAsync(ViewportSize viewport, string locale) => this.Browser.NewContextAsync(new BrowserNewContextOptions
    {
        ViewportSize = viewport,
        Locale = locale == "ko" ? "ko-KR" : "en-US",
        TimezoneId = locale == "ko" ? "Asia/Seoul" : "America/New_York",
        DeviceScaleFactor = 1,
        IsMobile = viewport.Width < 600,
        HasTouch = viewport.Width < 600,
    });

    public static string ScreenshotPath(string name) => Path.Combine(ScreenshotFolder, name + ".png");

    public async ValueTask DisposeAsync()
    {
        if (this.Browser is not null)
        {
            await this.Browser.DisposeAsync();
        }

        this.playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ChromiumGroup : ICollectionFixture<ChromiumFixture>
{
    public const string Name = "Chromium";
}
