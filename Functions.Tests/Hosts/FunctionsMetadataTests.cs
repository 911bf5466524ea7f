using System.Text.Json;
using PostPurchase.Activities;
using PostPurchase.Journey;

namespace PostPurchase.Tests.Hosts;

/// <summary>
/// Reads the functions.metadata that the real Worker SDK wrote into the Functions build output: the file the
/// Functions host loads in Azure. Every door, route, method and auth level, the orchestration trigger and one
/// activity trigger per activity the journey calls.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private static readonly Lazy<Dictionary<string, JsonElement>> Functions = new(Load);

    [Theory]
    [InlineData("StripeWebhook", "webhooks/stripe", "post", "Function")]
    [InlineData("TossWebhook", "webhooks/toss", "post", "Function")]
    [InlineData("PayPalWebhook", "webhooks/paypal", "post", "Function")]
    [InlineData("InboundEmail", "webhooks/inbound-email", "post", "Anonymous")]   // guarded by the seller's own ?secret= / basic auth
    [InlineData("ExpectedOrder", "orders/expected", "post", "Function")]
    [InlineData("ReplayInboundMail", "inbound-mail/{mailId}/replay", "post", "Function")]
    [InlineData("SurveyReply", "survey/{token}", "get", "Anonymous")]
    [InlineData("SurveyComment", "survey/{token}", "post", "Anonymous")]
    [InlineData("FileDownload", "files/{token}", "get", "Anonymous")]
    [InlineData("SendGridEvents", "webhooks/sendgrid-events", "post", "Anonymous")]
    [InlineData("AccessLink", "go/{token}", "get", "Anonymous")]
    [InlineData("Unsubscribe", "unsubscribe/{token}", "get,post", "Anonymous")]
    [InlineData("OrderStatus", "orders/{orderId}", "get", "Function")]
    [InlineData("ListOrders", "orders", "get", "Function")]
    [InlineData("ResendStep", "orders/{orderId}/resend/{step}", "post", "Function")]
    [InlineData("CancelJourney", "orders/{orderId}/cancel", "post", "Function")]
    [InlineData("RerunJourney", "orders/{orderId}/rerun", "post", "Function")]
    [InlineData("ListCustomers", "customers", "get", "Function")]
    [InlineData("EditCustomerTags", "customers/{email}/tags", "post", "Function")]
    [InlineData("EraseCustomer", "customers/{email}", "delete", "Function")]
    [InlineData("ReconcileNow", "reconcile", "post", "Function")]
    [InlineData("Dashboard", "dashboard", "get", "Function")]
    public void Every_door_has_its_route_methods_and_auth_level(string name, string route, string methods, string authLevel)
    {
        JsonElement trigger = Trigger(name, "httpTrigger");

        Assert.Equal(route, trigger.GetProperty("route").GetString());
        Assert.Equal(methods.Split(','), trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()));
        Assert.Equal(authLevel, trigger.GetProperty("authLevel").GetString(), ignoreCase: true);
    }

    [Fact]
    public void Doors_that_start_or_signal_journeys_get_a_durable_client()
    {
        foreach (string name in new[] { "StripeWebhook", "SurveyReply", "SurveyComment", "AccessLink", "OrderStatus", "TossWebhook", "PayPalWebhook", "InboundEmail", "ReplayInboundMail" })
        {
            Assert.Contains(Bindings(name), b => b.GetProperty("type").GetString() == "durableClient");
        }
    }

    [Fact]
    public void Reconciliation_runs_every_fifteen_minutes()
    {
        Assert.Equal("0 */15 * * * *", Trigger("ReconcilePayments", "timerTrigger").GetProperty("schedule").GetString());
    }

    [Fact]
    public void The_journey_has_an_orchestration_trigger()
    {
        Trigger(PostPurchaseJourney.Name, "orchestrationTrigger");
    }

    [Theory]
    [InlineData(nameof(RecordPurchase))]
    [InlineData(nameof(SendWelcomeEmail))]
    [InlineData(nameof(SendReviewRequest))]
    [InlineData(nameof(SendReminder))]
    [InlineData(nameof(SendNextProductOffer))]
    [InlineData(nameof(HasOpenedContent))]
    [InlineData(nameof(RecordSurveyReply))]
    [InlineData(nameof(PostSlackAlert))]
    [InlineData(nameof(CloseJourney))]
    [InlineData(nameof(ReadEngagement))]
    [InlineData(nameof(SettleSurveyReply))]
    public void Every_activity_the_journey_calls_has_an_activity_trigger(string activity)
    {
        Trigger(activity, "activityTrigger");
    }

    [Fact]
    public void Nothing_else_is_exposed()
    {
        Assert.Equal(35, Functions.Value.Count);
    }

    private static JsonElement Trigger(string function, string type)
    {
        Assert.True(Functions.Value.ContainsKey(function), $"functions.metadata has no function named {function}");
        return Assert.Single(Bindings(function), b => b.GetProperty("type").GetString() == type && b.GetProperty("direction").GetString() == "In");
    }

    private static List<JsonElement> Bindings(string function) =>
        Functions.Value[function].GetProperty("bindings").EnumerateArray().ToList();

    private static Dictionary<string, JsonElement> Load()
    {
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        string path = Path.Combine(RepoRoot(), "Functions", "bin", configuration, "net10.0", "functions.metadata");
        Assert.True(File.Exists(path), $"Build the Functions project first: {path} is missing");
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!, f => f.Clone());
    }

    private static string RepoRoot()
    {
        DirectoryInfo? dir = new(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PostPurchaseFunctions.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Repository root not found.");
    }
}
