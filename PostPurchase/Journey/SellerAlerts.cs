using System.Globalization;
using PostPurchase.Notifications;

namespace PostPurchase.Journey;

/// <summary>The seller-facing alerts a journey raises. Pure formatting, so the orchestrator can build them.</summary>
public static class SellerAlerts
{
    public static SlackAlert NeedsReview(JourneyInput input, PurchaseRecorded recorded)
    {
        string why = !recorded.AmountPlausible
            ? $"The payment's amount or currency is not a real one ({input.Purchase.Amount.Minor.ToString(CultureInfo.InvariantCulture)} {input.Purchase.Amount.Currency}), so no welcome mail was sent. " +
              "Check the payment in the provider's dashboard."
            : !recorded.ProductKnown
            ? "The product is not in the catalog, so no welcome mail was sent. Add it to catalog.json, restart the app, then re-run the order: " +
              $"POST /api/orders/{input.InstanceId}/rerun?reason=…"
            : "The payment carries no usable buyer e-mail, so no welcome mail was sent. Find the buyer's address, then re-run the order with it: " +
              $"POST /api/orders/{input.InstanceId}/rerun?reason=…&buyerEmail=…";
        return new SlackAlert($"{input.InstanceId}:alert-needs-review", $"Order needs review: {why}", Fields(input));
    }

    public static SlackAlert UnhappyBuyer(JourneyInput input, SurveyReply reply)
    {
        List<SlackField> fields = [.. Fields(input), new("Score", reply.Score.ToString(CultureInfo.InvariantCulture) + " / 5")];
        return new SlackAlert($"{input.InstanceId}:alert-unhappy", "A buyer is unhappy: please reach out by hand.", fields, reply.Comment);
    }

    public static SlackAlert StepFailed(JourneyInput input, string step, string errorType)
    {
        List<SlackField> fields = [.. Fields(input), new("Step", step), new("Error", errorType)];
        return new SlackAlert($"{input.InstanceId}:alert-failed-{step}", $"A journey step failed after all retries: {step}", fields);
    }

    /// <summary>The buyer's address bounced (or was dropped or reported as spam): no more mail goes to it.</summary>
    public static SlackAlert MailStopped(Crm.OrderRecord order, string step, string why, string? detail)
    {
        List<SlackField> fields =
        [
            new("Order", order.InstanceId),
            new("Buyer", $"{order.BuyerName ?? "(no name)"} <{order.BuyerEmail ?? "no e-mail"}>"),
            new("Product", order.ProductName),
            new("Mail", step),
            new("What happened", detail is null ? why : $"{why}: {detail}"),
        ];
        string headline = why == "spamreport"
            ? "A buyer marked our mail as spam: no more mail goes to that address."
            : "A buyer's e-mail address does not work: our mail bounced and no more mail goes to it. Please find the right address.";
        return new SlackAlert($"{order.InstanceId}:alert-mail-stopped", headline, fields);
    }

    private static List<SlackField> Fields(JourneyInput input)
    {
        Purchases.Purchase p = input.Purchase;
        return
        [
            new("Order", input.InstanceId),
            new("Buyer", $"{p.Buyer.Name ?? "(no name)"} <{p.Buyer.Email ?? "no e-mail"}>"),
            new("Product", string.IsNullOrEmpty(p.ProductName) ? p.Sku ?? "(unknown)" : p.ProductName),
            new("Amount", p.Amount.Format(p.Buyer.Locale)),
            new("Paid", p.PaidAt.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture)),
        ];
    }
}
