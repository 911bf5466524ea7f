using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PostPurchase.BuyerActions;
using PostPurchase.Infrastructure;
using PostPurchase.Tests.Fixtures;
using PostPurchase.Tests.Hosts;

namespace PostPurchase.Tests.Reliability;

/// <summary>The seller's routes need the admin key; buyer links are HMAC-signed with the configured key and nothing else opens them.</summary>
public sealed partial class AdminSecurityTests(AzuriteFixture azurite)
{
    private const string SigningKey = "end-to-end-link-signing-key-0000000000000";
    private static readonly string[] PublicPrefixes = ["/api/webhooks/", "/api/survey/", "/api/go/", "/api/unsubscribe/", "/api/files/"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Every_admin_route_refuses_requests_without_the_right_key()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, "Memory", dayLengthSeconds: 60);
        await using SelfHostDriver keyless = await SelfHostDriver.StartAsync(azurite, "Memory", dayLengthSeconds: 60, extra: new Dictionary<string, string?> { ["Admin:ApiKey"] = "" });
        List<(string Method, string Path)> routes = AdminRoutes(host);
        Assert.Contains(routes, r => r.Path.StartsWith("/api/orders/", StringComparison.Ordinal));
        Assert.Contains(routes, r => r.Path.StartsWith("/runtime/webhooks/durabletask/instances/", StringComparison.Ordinal));

        (string Name, Action<HttpRequestMessage> Apply)[] wrongKeys =
        [
            ("no key", _ => { }),
            ("empty header", r => r.Headers.Add("x-admin-key", "")),
            ("wrong key", r => r.Headers.Add("x-admin-key", "guess")),
            ("key in another case", r => r.Headers.Add("x-admin-key", SelfHostDriver.AdminKey.ToUpperInvariant())),
            ("key plus a character", r => r.Headers.Add("x-admin-key", SelfHostDriver.AdminKey + "x")),
            ("key minus its last character", r => r.Headers.Add("x-admin-key", SelfHostDriver.AdminKey[..^1])),
            ("wrong ?code=", r => r.RequestUri = new Uri(r.RequestUri!.OriginalString + (r.RequestUri.OriginalString.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "code=guess", UriKind.Relative)),
            ("key under another header", r => r.Headers.Add("x-api-key", SelfHostDriver.AdminKey)),
            ("key as a bearer token", r => r.Headers.Add("Authorization", "Bearer " + SelfHostDriver.AdminKey)),
        ];

        using HttpClient anonymous = new() { BaseAddress = host.Http.BaseAddress };
        using HttpClient anonymousKeyless = new() { BaseAddress = keyless.Http.BaseAddress };
        List<string> failures = [];
        int tried = 0;
        foreach ((string method, string path) in routes)
        {
            foreach ((string name, Action<HttpRequestMessage> apply) in wrongKeys)
            {
                tried++;
                using HttpRequestMessage request = new(new HttpMethod(method), path);
                apply(request);
                using HttpResponseMessage response = await anonymous.SendAsync(request, Ct);
                if (response.StatusCode != HttpStatusCode.Unauthorized)
                {
                    failures.Add($"{method} {path} with {name}: {(int)response.StatusCode}");
                }
            }

            // No key configured: the routes stay shut even for a request that sends an empty one.
            tried++;
            using HttpRequestMessage empty = new(new HttpMethod(method), path);
            empty.Headers.Add("x-admin-key", "");
            using HttpResponseMessage shut = await anonymousKeyless.SendAsync(empty, Ct);
            if (shut.StatusCode != HttpStatusCode.Unauthorized)
            {
                failures.Add($"{method} {path} on a host without a key: {(int)shut.StatusCode}");
            }

            // The right key opens it (the check is on the key, not on the route being broken).
            tried++;
            using HttpRequestMessage right = new(new HttpMethod(method), path);
            using HttpResponseMessage opened = await host.Http.SendAsync(right, Ct);
            if (opened.StatusCode == HttpStatusCode.Unauthorized)
            {
                failures.Add($"{method} {path} with the right key: 401");
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine("admin routes: " + string.Join(", ", routes.Select(r => $"{r.Method} {r.Path}")));
        Assert.Empty(failures);
        Figures.Report($"admin requests across {routes.Count} routes (refused without the key, open with it)", tried, tried - failures.Count);
    }

    [Fact]
    public async Task Buyer_links_open_only_with_tokens_signed_by_the_configured_key_and_unaltered()
    {
        await using SelfHostDriver host = await SelfHostDriver.StartAsync(azurite, "Memory", dayLengthSeconds: 60);
        (byte[] body, string id) = Payments.NewCheckout();
        await host.PostStripeAsync(body);
        await host.WaitForMailAsync(id, "welcome");

        LinkSigner configured = Signer(SigningKey);
        LinkSigner other = Signer("another-shop-link-signing-key-0000000000000");
        string good = configured.Sign(new LinkClaim(LinkPurpose.Access, id, 0));
        List<string> bad = [other.Sign(new LinkClaim(LinkPurpose.Access, id, 0)), Signer(SigningKey + "x").Sign(new LinkClaim(LinkPurpose.Access, id, 0))];
        int dot = good.IndexOf('.', StringComparison.Ordinal);
        for (int i = 0; i < good.Length; i++)
        {
            if (i == dot)
            {
                continue;
            }

            // Every single-character change, in the readable part and in the tag.
            char swapped = good[i] == 'A' ? 'B' : 'A';
            bad.Add(good[..i] + swapped + good[(i + 1)..]);
        }

        bad.Add(good[..dot]);                       // tag stripped
        bad.Add(good[..^4]);                        // tag truncated
        bad.Add(good[..(dot + 1)] + new string('A', 22));   // tag of zeros

        int held = 0;
        foreach (string token in bad)
        {
            using HttpResponseMessage response = await host.Http.GetAsync("/api/go/" + Uri.EscapeDataString(token), Ct);
            held += response.StatusCode == HttpStatusCode.NotFound ? 1 : 0;
        }

        using HttpResponseMessage opened = await host.Http.GetAsync("/api/go/" + good, Ct);
        Assert.Equal(HttpStatusCode.Redirect, opened.StatusCode);
        Assert.NotNull((await host.GetOrderAsync(id))!.Crm!.ContentOpenedAt);
        Figures.Report("altered or foreign-key access tokens refused", bad.Count, held);
    }

    private static List<(string Method, string Path)> AdminRoutes(SelfHostDriver host) =>
        [.. host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => (Method: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods is [string m, ..] ? m : "GET", Pattern: e.RoutePattern.RawText ?? ""))
            .Where(r => r.Pattern.Length > 0 && !PublicPrefixes.Any(p => r.Pattern.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            .Select(r => (r.Method, Parameter().Replace(r.Pattern, "stripe-pi_probe")))
            .Distinct()];

    private static LinkSigner Signer(string key) =>
        new(Options.Create(new LinksOptions { SigningKey = key, BaseUrl = SelfHostDriver.PublicBaseUrl }));

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex Parameter();
}
