using Microsoft.Playwright;

namespace PostPurchase.Tests.Browser;

[Collection(ChromiumGroup.Name)]
public sealed class ChromiumSmokeTests(ChromiumFixture chromium)
{
    [Fact]
    public async Task Debian_chromium_renders_hangul_with_a_real_font_not_empty_boxes()
    {
        await using IBrowserContext context = await chromium.NewContextAsync(ChromiumFixture.Phone, "ko");
        IPage page = await context.NewPageAsync();
        await page.SetContentAsync("""
            <!doctype html><html lang="ko"><body style="font-size:32px">
            <p><span id="hangul">노션자동화</span></p>
            <p><span id="tofu">&#x10FFFD;&#x10FFFD;&#x10FFFD;&#x10FFFD;&#x10FFFD;</span></p>
            </body></html>
            """);
        await page.ScreenshotAsync(new() { Path = ChromiumFixture.ScreenshotPath("smoke-hangul") });

        // Without a CJK font every syllable is drawn as the same "missing glyph" box as a private-use code point.
        float hangul = await page.EvalOnSelectorAsync<float>("#hangul", "e => e.getBoundingClientRect().width");
        float tofu = await page.EvalOnSelectorAsync<float>("#tofu", "e => e.getBoundingClientRect().width");
        Assert.Equal("노션자동화", await page.InnerTextAsync("#hangul"));
        Assert.True(Math.Abs(tofu - hangul) > 1, $"Hangul is {hangul}px wide, the same as five missing-glyph boxes ({tofu}px): is fonts-noto-cjk installed?");
    }
}
