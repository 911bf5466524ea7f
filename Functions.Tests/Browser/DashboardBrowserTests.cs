using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.Hosts;

namespace PostPurchase.Tests.Browser;

/// <summary>
/// The seller opens the dashboard in Chromium with the admin key in the URL (as a Functions key would be),
/// reads recent orders and their stage, filters them with the form, and follows an order. Screenshots:
/// bin/…/artifacts/screenshots/dashboard-*-{375,1280}.png.
/// </summary>
[Collection(ChromiumGroup.Name)]
public sealed partial class DashboardBrowserTests(ChromiumFixture chromium, AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_seller_reads_and_filters_recent_orders_in_the_browser_without_a_script()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, dayLengthSeconds: 60);
        string korean = await PayAsync(host, "stripe-checkout.session.completed-krw.json");
        string english = await PayAsync(host, "stripe-checkout.session.completed-usd.json");
        await host.WaitForOrderAsync(korean, v => v.Stage == "awaiting-day3");
        await host.WaitForOrderAsync(english, v => v.Stage == "awaiting-day3");

        await using IBrowserContext context = await chromium.NewContextAsync(ChromiumFixture.Phone, "ko");
        IPage page = await context.NewPageAsync();
        IResponse? opened = await page.GotoAsync(new Uri(host.Http.BaseAddress!, $"/api/dashboard?code={SelfHostDriver.AdminKey}").ToString());

        Assert.Equal(200, opened!.Status);
        Assert.Equal("Orders", await page.InnerTextAsync("h1"));
        Assert.Equal(2, await page.Locator("tbody tr").CountAsync());
        string table = await page.InnerTextAsync("table");
        Assert.Contains("노션 업무 자동화 템플릿 패키지", table, StringComparison.Ordinal);
        Assert.Contains("₩39,000", table, StringComparison.Ordinal);
        Assert.Contains("$29.00", table, StringComparison.Ordinal);
        Assert.Equal(2, Regex.Count(table, "awaiting-day3"));
        Assert.Equal(0, await page.Locator("script").CountAsync());
        await ShootAsync(page, "dashboard-all");

        // The labelled form filters without script; the key travels with it.
        await page.GetByLabel("Stage").FillAsync("offer-sent");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        Assert.Contains("code=", page.Url, StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("tbody tr").CountAsync());
        Assert.Equal("No orders match.", await page.InnerTextAsync("p.empty"));
        await ShootAsync(page, "dashboard-filtered");

        // An order links to its timeline.
        await page.GetByLabel("Stage").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = korean }).ClickAsync();
        await page.WaitForURLAsync($"**/api/orders/{korean}?code=*");
        Assert.Contains("\"stage\":\"awaiting-day3\"", await page.ContentAsync(), StringComparison.Ordinal);
    }

    private static async Task ShootAsync(IPage page, string name)
    {
        int scrollWidth = await page.EvaluateAsync<int>("document.scrollingElement.scrollWidth");
        Assert.True(scrollWidth <= 375, $"{name} is {scrollWidth}px wide on a 375px phone");
        await page.ScreenshotAsync(new() { Path = ChromiumFixture.ScreenshotPath(name + "-375"), FullPage = true });
        await page.SetViewportSizeAsync(ChromiumFixture.Desktop.Width, ChromiumFixture.Desktop.Height);
        await page.ScreenshotAsync(new() { Path = ChromiumFixture.ScreenshotPath(name + "-1280"), FullPage = true });
        await page.SetViewportSizeAsync(ChromiumFixture.Phone.Width, ChromiumFixture.Phone.Height);
    }

    private static async Task<string> PayAsync(SelfHostDriver host, string sample)
    {
        string text = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "samples", sample), Ct);
        string pi = $"pi_dash{Guid.NewGuid():N}";
        using HttpResponseMessage response = await host.PostStripeAsync(Encoding.UTF8.GetBytes(PaymentIntent().Replace(text, pi)));
        Assert.True(response.IsSuccessStatusCode);
        return "stripe-" + pi;
    }

    [GeneratedRegex(@"\bpi_[A-Za-z0-9]+")]
    private static partial Regex PaymentIntent();
}
