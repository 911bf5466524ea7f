using System.Text;
using System.Text.Json.Nodes;
using PostPurchase.Journey;
using PostPurchase.Tests.Fixtures;

namespace PostPurchase.Tests.Reliability;

/// <summary>Stripe Checkout events built from the bundled KRW sample, with the facts a test needs changed.</summary>
internal static class Payments
{
    public const string KrwSample = "stripe-checkout.session.completed-krw.json";

    public static byte[] Sample(string name = KrwSample) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "samples", name));

    /// <summary>A distinct payment: the sample with a new payment intent (and so a new journey "stripe-{pi}").</summary>
    public static (byte[] Body, string InstanceId) NewCheckout(
        string? paymentIntent = null, string? email = null, string? name = null, string? sku = null, Action<JsonObject>? change = null)
    {
        JsonObject root = JsonNode.Parse(Sample())!.AsObject();
        JsonObject session = root["data"]!["object"]!.AsObject();
        string pi = paymentIntent ?? $"pi_rel{Guid.NewGuid():N}";
        root["id"] = $"evt_rel{Guid.NewGuid():N}";
        session["payment_intent"] = pi;
        if (email is not null)
        {
            session["customer_details"]!["email"] = email;
        }

        if (name is not null)
        {
            session["customer_details"]!["name"] = name;
        }

        if (sku is not null)
        {
            session["metadata"]!["product_sku"] = sku;
            session["metadata"]!["product_name"] = sku;
        }

        change?.Invoke(root);
        return (Encoding.UTF8.GetBytes(root.ToJsonString()), JourneyIds.For("stripe", pi));
    }

    public static string Key(string instanceId, string step) => $"{instanceId}:{step}";

    public static string RepoRoot => AzuriteFixture.FindRepoRoot();
}
