using System.Globalization;
using System.Net.Mail;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orders.Sandbox.PayPal;

namespace Orders.Sandbox.Avangate;

internal sealed record CartView(
    string Refno, AvangateOrderState State, IReadOnlyList<BuyLinkItem> Items, string Currency, decimal Total,
    string? Email, string? CustomerName, string? ReturnUrl);

// The shopper's side: 2Checkout's hosted cart reduced to an e-mail field, Pay and Cancel.
// Server-rendered, no script; everything shown is HTML-encoded.
internal static class AvangateCartPage
{
    private const string HtmlContentType = "text/html; charset=utf-8";

    public static void MapCartPage(this RouteGroupBuilder sandbox)
    {
        sandbox.MapGet("/checkout/buy", OpenBuyLink);
        sandbox.MapGet("/checkout/cart/{refno}", ShowCart);
        // The form is read by hand; the host's antiforgery must not apply to a stand-in for another site.
        sandbox.MapPost("/checkout/cart/{refno}/pay", Pay).DisableAntiforgery();
        sandbox.MapPost("/checkout/cart/{refno}/cancel", Cancel).DisableAntiforgery();
    }

    public static IReadOnlyList<KeyValuePair<string, string>> Parameters(IQueryCollection query) =>
        query.SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string>(q.Key, v ?? ""))).ToList();

    public static bool IsEmail(string? email) =>
        email is { Length: > 0 and <= 254 } && MailAddress.TryCreate(email, out var address) && address.Address == email;

    public static CartView View(AvangateOrder order)
    {
        lock (order.Gate)
        {
            var link = order.Link;
            return new CartView(order.Refno, order.State, link.Items, link.Currency, link.Total, order.Email ?? link.PrefillEmail, link.CustomerName, link.ReturnUrl);
        }
    }

    private static ContentHttpResult OpenBuyLink(
        HttpContext context, AvangateOrders orders, AvangateSandboxUrls urls, IOptions<AvangateSandboxOptions> options, TimeProvider time, ILogger<AvangateOrders> logger)
    {
        NoStore(context);
        var (link, error) = AvangateBuyLinks.Validate(Parameters(context.Request.Query), options.Value, time.GetUtcNow());
        if (error is not null)
        {
            logger.BuyLinkRefused(error.Code);
            return Page(StatusCodes.Status400BadRequest, "Link not valid",
                $"<h1>This payment link is not valid</h1><p class=\"error\" role=\"alert\">{Encode(error.Message)}</p><p class=\"ref\">Error code <code>{Encode(error.Code)}</code></p>");
        }
        var (order, _) = orders.Open(link!);
        return Cart(context, urls, View(order), error: null, StatusCodes.Status200OK);
    }

    private static ContentHttpResult ShowCart(string refno, HttpContext context, AvangateOrders orders, AvangateSandboxUrls urls)
    {
        NoStore(context);
        return orders.Find(refno) is { } order
            ? Cart(context, urls, View(order), error: null, StatusCodes.Status200OK)
            : NotFound();
    }

    private static async Task<Results<SeeOtherHttpResult, ContentHttpResult>> Pay(
        string refno, HttpContext context, AvangateOrders orders, AvangateSandboxUrls urls, CancellationToken cancellationToken)
    {
        NoStore(context);
        if (orders.Find(refno) is not { } order)
        {
            return NotFound();
        }
        var email = context.Request.HasFormContentType
            ? (await context.Request.ReadFormAsync(cancellationToken))["email"].ToString().Trim()
            : "";
        if (!IsEmail(email))
        {
            return Cart(context, urls, View(order) with { Email = email }, "Enter the e-mail address the licence should be sent to.", StatusCodes.Status400BadRequest);
        }
        var (payment, refusal) = orders.Pay(refno, email);
        if (refusal is not null)
        {
            return Page(refusal.StatusCode, "Order closed", $"<h1>This order is closed</h1><p>{Encode(refusal.Message)}</p>");
        }
        if (payment!.ReturnUrl is { } returnUrl)
        {
            return payment.ReturnType == "link"
                ? Page(StatusCodes.Status200OK, "Thank you", $"<h1>Thank you</h1><p>Your payment is complete.</p><p><a href=\"{Encode(returnUrl)}\">Return to the merchant</a></p>{Reference(refno)}")
                : new SeeOtherHttpResult(returnUrl);
        }
        return Page(StatusCodes.Status200OK, "Thank you", $"<h1>Thank you</h1><p>Your payment is complete; you can close this window.</p>{Reference(refno)}");
    }

    // 2Checkout does not notify abandoned carts: the shopper is just sent back.
    private static Results<SeeOtherHttpResult, ContentHttpResult> Cancel(string refno, HttpContext context, AvangateOrders orders)
    {
        NoStore(context);
        if (orders.Find(refno) is not { } order)
        {
            return NotFound();
        }
        return order.Link.ReturnUrl is { } returnUrl
            ? new SeeOtherHttpResult(returnUrl)
            : Page(StatusCodes.Status200OK, "Cancelled", "<h1>Order cancelled</h1><p>Nothing was charged; you can close this window.</p>");
    }

    private static ContentHttpResult Cart(HttpContext context, AvangateSandboxUrls urls, CartView cart, string? error, int statusCode)
    {
        var money = (decimal value) => AvangateMoney.Format(value, cart.Currency) + " " + cart.Currency;
        var body = new StringBuilder();
        if (cart.State != AvangateOrderState.Cart)
        {
            body.Append("<h1>").Append(cart.State == AvangateOrderState.Complete ? "Already paid" : "Order closed").Append("</h1>")
                .Append("<p>This order has already been ").Append(cart.State == AvangateOrderState.Complete ? "paid" : "closed").Append(".</p>");
            if (cart.ReturnUrl is { } returnUrl)
            {
                body.Append("<p><a href=\"").Append(Encode(returnUrl)).Append("\">Return to the merchant</a></p>");
            }
            return Page(statusCode, "Order", body.Append(Reference(cart.Refno)).ToString());
        }

        var actions = $"{context.Request.PathBase}{urls.Prefix}/checkout/cart/{Uri.EscapeDataString(cart.Refno)}";
        body.Append("<h1>Your order</h1>")
            .Append("<p class=\"note\">Local 2Checkout sandbox: no real card, no real money.</p>")
            .Append("<table><thead><tr><th scope=\"col\">Product</th><th scope=\"col\">Quantity</th><th scope=\"col\">Unit price</th><th scope=\"col\">Total</th></tr></thead><tbody>");
        foreach (var item in cart.Items)
        {
            body.Append("<tr><td>").Append(Encode(item.Name))
                .Append("</td><td>").Append(item.Quantity.ToString(CultureInfo.InvariantCulture))
                .Append("</td><td>").Append(Encode(money(item.UnitPrice)))
                .Append("</td><td>").Append(Encode(money(item.UnitPrice * item.Quantity))).Append("</td></tr>");
        }
        body.Append("</tbody></table>")
            .Append("<p class=\"total\">Total <strong data-total>").Append(Encode(money(cart.Total))).Append("</strong></p>")
            .Append("<p class=\"currency\">Currency <span data-currency>").Append(Encode(cart.Currency)).Append("</span></p>");
        if (cart.CustomerName is { } name)
        {
            body.Append("<p class=\"licensee\">Licensed to ").Append(Encode(name)).Append("</p>");
        }
        body.Append("<form id=\"pay-form\" method=\"post\" action=\"").Append(Encode(actions + "/pay")).Append("\">")
            .Append("<label for=\"email\">E-mail address</label>")
            .Append("<input id=\"email\" name=\"email\" type=\"email\" required autocomplete=\"email\" maxlength=\"254\" value=\"").Append(Encode(cart.Email ?? "")).Append('"');
        if (error is not null)
        {
            body.Append(" aria-invalid=\"true\" aria-describedby=\"email-error\"");
        }
        body.Append("></form>");
        if (error is not null)
        {
            body.Append("<p id=\"email-error\" class=\"error\" role=\"alert\">").Append(Encode(error)).Append("</p>");
        }
        body.Append("<div class=\"actions\">")
            .Append("<button type=\"submit\" form=\"pay-form\" class=\"pay\">Pay</button>")
            .Append("<form method=\"post\" action=\"").Append(Encode(actions + "/cancel")).Append("\"><button type=\"submit\" class=\"cancel\">Cancel</button></form>")
            .Append("</div>")
            .Append(Reference(cart.Refno));
        return Page(statusCode, "Checkout", body.ToString());
    }

    private static string Reference(string refno) =>
        $"<p class=\"ref\">Order reference <span data-refno=\"{Encode(refno)}\">{Encode(refno)}</span></p>";

    private static ContentHttpResult NotFound() => Page(StatusCodes.Status404NotFound, "Order not found",
        "<h1>Order not found</h1><p>There is no sandbox cart with this reference.</p>");

    private static ContentHttpResult Page(int statusCode, string title, string body) => TypedResults.Content(
        $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <title>2Checkout Sandbox – {{Encode(title)}}</title>
        <style>
        body{margin:0;background:#f3f5f7;color:#1b1f23;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
        main{max-width:32rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:10px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
        .brand{margin:0 0 1rem;font-weight:700;color:#00205b}.brand span{color:#00a0df}
        h1{font-size:1.4rem;margin:0 0 .5rem}
        .note{background:#fff8e1;border-radius:6px;padding:.5rem .75rem;font-size:.9rem}
        table{width:100%;border-collapse:collapse;font-size:.95rem}th,td{text-align:left;padding:.35rem 0;border-bottom:1px solid #e3e6ea}
        th:nth-child(n+2),td:nth-child(n+2){text-align:right}
        .total{font-size:1.15rem;text-align:right;margin-bottom:0}.currency{text-align:right;color:#5f6368;font-size:.85rem;margin-top:0}
        label{display:block;font-weight:600;margin:1rem 0 .25rem}
        input{box-sizing:border-box;width:100%;padding:.6rem;border:1px solid #c4c9cf;border-radius:6px;font:inherit}
        .error{color:#b00020}.licensee,.ref{color:#5f6368;font-size:.85rem}
        .actions{display:flex;gap:.75rem;margin:1.5rem 0 .5rem}.actions>*{flex:1}
        button{width:100%;padding:.75rem;border:0;border-radius:6px;font:inherit;font-weight:700;cursor:pointer}
        .pay{background:#00a0df;color:#fff}.pay:hover{background:#0087bd}
        .cancel{background:#e3e6ea;color:#1b1f23}.cancel:hover{background:#d2d6db}
        </style>
        </head>
        <body>
        <main>
        <p class="brand">2Checkout <span>Sandbox</span></p>
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
