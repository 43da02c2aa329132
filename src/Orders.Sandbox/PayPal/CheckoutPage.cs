using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Orders.Sandbox.PayPal;

// The buyer's side: PayPal's hosted approval page, reduced to Pay and Cancel. Server-rendered,
// no script; everything shown is HTML-encoded.
internal static class CheckoutPage
{
    private const string HtmlContentType = "text/html; charset=utf-8";

    public static void MapCheckoutPage(this RouteGroupBuilder sandbox)
    {
        sandbox.MapGet("/checkoutnow", Show);
        // No form-bound parameters (nothing is read from the body); the host's antiforgery must not apply.
        sandbox.MapPost("/checkoutnow/{orderId}/pay", Pay).DisableAntiforgery();
        sandbox.MapPost("/checkoutnow/{orderId}/cancel", Cancel).DisableAntiforgery();
    }

    private static ContentHttpResult Show([FromQuery] string? token, HttpContext context, SandboxOrders orders, PayPalSandboxUrls urls, PayPalSandboxAccounts accounts)
    {
        NoStore(context);
        if (token is null || orders.FindForCheckout(token) is not { } order)
        {
            return Page(StatusCodes.Status404NotFound, "Order not found",
                "<h1>Order not found</h1><p>This checkout link does not belong to any sandbox order.</p>");
        }
        var merchant = Encode(order.BrandName ?? "the merchant");
        if (order.Status == "COMPLETED")
        {
            return Page(StatusCodes.Status200OK, "Already paid",
                $"<h1>Already paid</h1><p>Order <code>{Encode(order.Id)}</code> to {merchant} has already been paid.</p>");
        }
        var actions = $"{context.Request.PathBase}{urls.Prefix}/checkoutnow/{Uri.EscapeDataString(order.Id)}";
        var body = new StringBuilder()
            .Append("<h1>Pay ").Append(merchant).Append("</h1>")
            .Append("<p class=\"note\">Local PayPal sandbox: no real account, no real money.</p>");
        foreach (var unit in order.Units)
        {
            AppendUnit(body, unit);
        }
        body.Append("<p class=\"buyer\">Paying as ").Append(Encode(accounts.PayerEmail)).Append("</p>")
            .Append("<div class=\"actions\">")
            .Append("<form method=\"post\" action=\"").Append(Encode(actions + "/pay")).Append("\"><button type=\"submit\" class=\"pay\">Pay</button></form>")
            .Append("<form method=\"post\" action=\"").Append(Encode(actions + "/cancel")).Append("\"><button type=\"submit\" class=\"cancel\">Cancel</button></form>")
            .Append("</div>")
            .Append("<p class=\"ref\">Order ").Append(Encode(order.Id)).Append("</p>");
        return Page(StatusCodes.Status200OK, "Pay", body.ToString());
    }

    private static Results<SeeOtherHttpResult, ContentHttpResult> Pay(string orderId, HttpContext context, SandboxOrders orders)
    {
        NoStore(context);
        var (approval, failure) = orders.Approve(orderId, "COMPLETED");
        if (failure is not null)
        {
            return failure.StatusCode == StatusCodes.Status404NotFound
                ? Page(StatusCodes.Status404NotFound, "Order not found", "<h1>Order not found</h1><p>There is no sandbox order to pay.</p>")
                : Page(StatusCodes.Status409Conflict, "Already paid", "<h1>Already paid</h1><p>This order has already been paid.</p>");
        }
        return approval!.ReturnUrl is { } returnUrl
            ? new SeeOtherHttpResult(returnUrl)
            : Page(StatusCodes.Status200OK, "Approved", "<h1>Payment approved</h1><p>The order did not give a return_url; you can close this window.</p>");
    }

    private static Results<SeeOtherHttpResult, ContentHttpResult> Cancel(string orderId, HttpContext context, SandboxOrders orders)
    {
        NoStore(context);
        if (!orders.TryGetCancelUrl(orderId, out var cancelUrl))
        {
            return Page(StatusCodes.Status404NotFound, "Order not found", "<h1>Order not found</h1><p>There is no sandbox order to cancel.</p>");
        }
        return cancelUrl is not null
            ? new SeeOtherHttpResult(cancelUrl)
            : Page(StatusCodes.Status200OK, "Cancelled", "<h1>Payment cancelled</h1><p>The order did not give a cancel_url; you can close this window.</p>");
    }

    private static void AppendUnit(StringBuilder body, ValidatedUnit unit)
    {
        body.Append("<section>");
        if (unit.Description is { } description)
        {
            body.Append("<h2>").Append(Encode(description)).Append("</h2>");
        }
        if (unit.Items.Count > 0)
        {
            body.Append("<table><thead><tr><th scope=\"col\">Item</th><th scope=\"col\">Qty</th><th scope=\"col\">Price</th></tr></thead><tbody>");
            foreach (var item in unit.Items)
            {
                body.Append("<tr><td>").Append(Encode(item.Name));
                if (item.Description is { } itemDescription)
                {
                    body.Append("<br><small>").Append(Encode(itemDescription)).Append("</small>");
                }
                body.Append("</td><td>").Append(item.Quantity.ToString(CultureInfo.InvariantCulture))
                    .Append("</td><td>").Append(Encode(item.UnitAmount.ToString())).Append("</td></tr>");
            }
            body.Append("</tbody></table>");
        }
        body.Append("<p class=\"total\">Total <strong>").Append(Encode(unit.Amount.ToString())).Append("</strong></p></section>");
    }

    private static ContentHttpResult Page(int statusCode, string title, string body) => TypedResults.Content(
        $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <title>PayPal Sandbox – {{Encode(title)}}</title>
        <style>
        body{margin:0;background:#f5f7fa;color:#1c1e21;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
        main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
        .brand{margin:0 0 1rem;font-weight:700;color:#003087}.brand span{color:#009cde}
        h1{font-size:1.4rem;margin:0 0 .5rem}h2{font-size:1.05rem;margin:1rem 0 .5rem}
        .note{background:#fff8e1;border-radius:6px;padding:.5rem .75rem;font-size:.9rem}
        table{width:100%;border-collapse:collapse;font-size:.95rem}th,td{text-align:left;padding:.35rem 0;border-bottom:1px solid #e3e6ea}
        th:nth-child(n+2),td:nth-child(n+2){text-align:right}
        .total{font-size:1.15rem;text-align:right}.buyer,.ref{color:#5f6368;font-size:.85rem}
        .actions{display:flex;gap:.75rem;margin:1.5rem 0 .5rem}.actions form{flex:1}
        button{width:100%;padding:.75rem;border:0;border-radius:24px;font:inherit;font-weight:700;cursor:pointer}
        .pay{background:#0070ba;color:#fff}.pay:hover{background:#005ea6}
        .cancel{background:#e3e6ea;color:#1c1e21}.cancel:hover{background:#d2d6db}
        </style>
        </head>
        <body>
        <main>
        <p class="brand">PayPal <span>Sandbox</span></p>
        {{body}}
        </main>
        </body>
        </html>
        """,
        HtmlContentType,
        statusCode: statusCode);

    private static string Encode(string text) => HtmlEncoder.Default.Encode(text);

    private static void NoStore(HttpContext context)
    {
        context.Response.Headers.CacheControl = "no-store";
        // No script, no external resources; inline styles only.
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
    }
}
