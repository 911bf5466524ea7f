using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using PostPurchase.Purchases;

namespace PostPurchase.Http;

/// <summary>The seller's read-only dashboard: recent orders and where each journey stands. Server-rendered, no script.</summary>
public static class AdminPages
{
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    public static string Dashboard(OrderList list, IQueryCollection query, string? error = null)
    {
        StringBuilder rows = new();
        foreach (OrderSummary o in list.Items)
        {
            rows.Append("<tr>")
                .Append("<td><a href=\"orders/").Append(Html.Encode(Uri.EscapeDataString(o.OrderId))).Append(Key(query)).Append("\">").Append(Html.Encode(o.OrderId)).Append("</a></td>")
                .Append("<td>").Append(Html.Encode(o.ProductName)).Append("</td>")
                .Append("<td class=\"num\">").Append(Html.Encode(new Money(o.AmountMinor, o.Currency).Format(Locales.English))).Append("</td>")
                .Append("<td>").Append(Html.Encode(o.PaidAt.ToString("yyyy-MM-dd HH:mm 'UTC'zzz", CultureInfo.InvariantCulture))).Append("</td>")
                .Append("<td><span class=\"stage\">").Append(Html.Encode(o.Stage ?? "—")).Append("</span></td>")
                .Append("<td>").Append(Html.Encode(o.Status)).Append("</td>")
                .Append("</tr>\n");
        }

        string empty = list.Items.Count == 0 ? "<p class=\"empty\">No orders match.</p>" : "";
        string next = list.Continuation is null ? "" :
            $"<p><a href=\"dashboard?continuation={Html.Encode(Uri.EscapeDataString(list.Continuation))}{Html.Encode(Key(query).Replace('?', '&'))}\">Next page</a></p>";
        string problem = error is null ? "" : $"<p role=\"alert\" class=\"error\">{Html.Encode(error)}</p>";
        return $$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Orders · post-purchase journeys</title>
            <style>
              body { margin: 0; font-family: system-ui, -apple-system, "Noto Sans KR", sans-serif; color: #1f2328; background: #fff; }
              main { max-width: 72rem; margin: 0 auto; padding: 1.5rem 1rem; }
              h1 { font-size: 1.4rem; margin: 0 0 1rem; }
              form { display: flex; flex-wrap: wrap; gap: .75rem; align-items: end; margin-bottom: 1rem; }
              label { display: flex; flex-direction: column; font-size: .85rem; gap: .25rem; }
              input, button { font: inherit; padding: .4rem .5rem; border: 1px solid #8c959f; border-radius: 4px; }
              button { background: #0b57d0; color: #fff; border-color: #0b57d0; }
              .scroll { overflow-x: auto; }
              table { border-collapse: collapse; width: 100%; font-size: .9rem; }
              caption { text-align: left; font-weight: 600; padding: .5rem 0; }
              th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid #d0d7de; white-space: nowrap; }
              td.num { text-align: right; }
              .stage { background: #ddf4ff; color: #0a3069; border-radius: 999px; padding: .1rem .5rem; }
              .error { color: #82071e; }
              a { color: #0b57d0; }
            </style>
            </head>
            <body><main>
            <h1>Orders</h1>
            {{problem}}
            <form method="get" action="dashboard">
              {{Hidden(query, "code")}}
              <label for="stage">Stage<input id="stage" name="stage" value="{{Html.Encode(query["stage"].ToString())}}" placeholder="awaiting-day3"></label>
              <label for="product">Product SKU<input id="product" name="product" value="{{Html.Encode(query["product"].ToString())}}"></label>
              <label for="status">CRM status<input id="status" name="status" value="{{Html.Encode(query["status"].ToString())}}" placeholder="needs-review"></label>
              <label for="from">Paid from<input id="from" name="from" type="date" value="{{Html.Encode(query["from"].ToString())}}"></label>
              <label for="to">Paid to<input id="to" name="to" type="date" value="{{Html.Encode(query["to"].ToString())}}"></label>
              <button type="submit">Filter</button>
            </form>
            <div class="scroll">
            <table>
              <caption>{{list.Items.Count.ToString(CultureInfo.InvariantCulture)}} recent orders, newest first</caption>
              <thead><tr><th scope="col">Order</th><th scope="col">Product</th><th scope="col">Amount</th><th scope="col">Paid</th><th scope="col">Stage</th><th scope="col">Status</th></tr></thead>
              <tbody>
            {{rows}}  </tbody>
            </table>
            </div>
            {{empty}}{{next}}
            </main></body>
            </html>
            """;
    }

    // A key given as ?code= (the Functions convention) is carried on links and in the form, so the page stays usable.
    private static string Key(IQueryCollection query) =>
        query["code"].ToString() is { Length: > 0 } code ? "?code=" + Uri.EscapeDataString(code) : "";

    private static string Hidden(IQueryCollection query, string name) =>
        query[name].ToString() is { Length: > 0 } value ? $"<input type=\"hidden\" name=\"{name}\" value=\"{Html.Encode(value)}\">" : "";
}
