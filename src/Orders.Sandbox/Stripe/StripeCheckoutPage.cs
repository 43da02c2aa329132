using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http.HttpResults;
using Orders.Sandbox.PayPal;

namespace Orders.Sandbox.Stripe;

// The customer's side: Stripe's hosted Checkout page reduced to Pay and Cancel. Server-rendered,
// no script; everything shown is HTML-encoded.
internal static class StripeCheckoutPage
{
    private const string HtmlContentType = "text/html; charset=utf-8";

    public static void MapStripeCheckoutPage(this RouteGroupBuilder sandbox)
    {
        sandbox.MapGet("/c/pay/{id}", Show);
        // Nothing is read from the body; the host's antiforgery must not apply to a stand-in for another site.
        sandbox.MapPost("/c/pay/{id}/pay", Pay).DisableAntiforgery();
        sandbox.MapPost("/c/pay/{id}/cancel", Cancel).DisableAntiforgery();
    }

    // Where Stripe sends the customer after paying: {CHECKOUT_SESSION_ID} is replaced with the session id.
    public static string? SuccessUrl(StripeSession session) =>
        session.Request.SuccessUrl?.Replace("{CHECKOUT_SESSION_ID}", session.Id, StringComparison.Ordinal);

    private static ContentHttpResult Show(string id, HttpContext context, StripeSessions sessions, StripeSandboxUrls urls)
    {
        NoStore(context);
        if (sessions.Find(id) is not { } session)
        {
            return NotFound();
        }
        sessions.Render(session); // expires it if its time has come
        string status;
        lock (session.Gate)
        {
            status = session.Status;
        }
        if (status == StripeSession.Expired)
        {
            return Page(StatusCodes.Status410Gone, "Expired", "<h1>This checkout has expired</h1><p>Nothing was charged. Go back to the shop to start again.</p>");
        }
        if (status == StripeSession.Complete)
        {
            var back = SuccessUrl(session) is { } url ? $"<p><a href=\"{Encode(url)}\">Return to the shop</a></p>" : "";
            return Page(StatusCodes.Status200OK, "Already paid", $"<h1>Already paid</h1><p>This checkout has already been completed.</p>{back}");
        }

        var r = session.Request;
        var money = (long amount) => Encode(Amount(amount, r.Currency));
        var actions = $"{context.Request.PathBase}{urls.Prefix}/c/pay/{Uri.EscapeDataString(session.Id)}";
        var body = new StringBuilder()
            .Append("<h1>Pay ").Append(money(r.AmountTotal)).Append("</h1>")
            .Append("<p class=\"note\">Local Stripe sandbox: no real card, no real money.</p>")
            .Append("<table><thead><tr><th scope=\"col\">Item</th><th scope=\"col\">Qty</th><th scope=\"col\">Price</th></tr></thead><tbody>");
        foreach (var item in r.LineItems)
        {
            body.Append("<tr><td>").Append(Encode(item.Name)).Append("</td><td>")
                .Append(item.Quantity.ToString(CultureInfo.InvariantCulture)).Append("</td><td>")
                .Append(money(item.UnitAmount * item.Quantity)).Append("</td></tr>");
        }
        body.Append("</tbody></table>")
            .Append("<p class=\"total\">Total due <strong data-total>").Append(money(r.AmountTotal)).Append("</strong></p>");
        if (r.CustomerEmail is { } email)
        {
            body.Append("<p class=\"buyer\">Receipt to <span data-email>").Append(Encode(email)).Append("</span></p>");
        }
        body.Append("<p class=\"card\">Card •••• 4242 (sandbox test card)</p>")
            .Append("<div class=\"actions\">")
            .Append("<form method=\"post\" action=\"").Append(Encode(actions + "/pay")).Append("\"><button type=\"submit\" class=\"pay\">Pay</button></form>")
            .Append("<form method=\"post\" action=\"").Append(Encode(actions + "/cancel")).Append("\"><button type=\"submit\" class=\"cancel\">Cancel</button></form>")
            .Append("</div>")
            .Append("<p class=\"ref\">Checkout Session <span data-session-id>").Append(Encode(session.Id)).Append("</span></p>");
        return Page(StatusCodes.Status200OK, "Pay", body.ToString());
    }

    private static Results<SeeOtherHttpResult, ContentHttpResult> Pay(string id, HttpContext context, StripeSessions sessions)
    {
        NoStore(context);
        var (session, failure) = sessions.Pay(id, delayed: false);
        if (failure is not null)
        {
            return failure.StatusCode == StatusCodes.Status404NotFound
                ? NotFound()
                : Page(StatusCodes.Status410Gone, "Expired", "<h1>This checkout has expired</h1><p>Nothing was charged.</p>");
        }
        return SuccessUrl(session!) is { } url
            ? new SeeOtherHttpResult(url)
            : Page(StatusCodes.Status200OK, "Paid", "<h1>Thanks for your payment</h1><p>You can close this window.</p>");
    }

    // Stripe leaves the session open when the customer goes back: it can still be paid until it expires.
    private static Results<SeeOtherHttpResult, ContentHttpResult> Cancel(string id, HttpContext context, StripeSessions sessions)
    {
        NoStore(context);
        if (sessions.Find(id) is not { } session)
        {
            return NotFound();
        }
        return session.Request.CancelUrl is { } url
            ? new SeeOtherHttpResult(url)
            : Page(StatusCodes.Status200OK, "Cancelled", "<h1>Payment cancelled</h1><p>Nothing was charged; you can close this window.</p>");
    }

    // Minor units as the customer reads them; Stripe's zero-decimal currencies have no fraction.
    private static string Amount(long minor, string currency)
    {
        var decimals = StripeCurrencies.Decimals(currency);
        var value = minor / (decimal)Math.Pow(10, decimals);
        return value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + " " + currency.ToUpperInvariant();
    }

    private static ContentHttpResult NotFound() => Page(StatusCodes.Status404NotFound, "Not found",
        "<h1>Something went wrong</h1><p>The page you were looking for could not be found.</p>");

    private static ContentHttpResult Page(int statusCode, string title, string body) => TypedResults.Content(
        $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="robots" content="noindex">
        <title>Stripe Sandbox – {{Encode(title)}}</title>
        <style>
        body{margin:0;background:#f6f9fc;color:#1a1f36;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif}
        main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 2px 12px rgba(50,50,93,.1)}
        .brand{margin:0 0 1rem;font-weight:700;color:#635bff}.brand span{color:#0a2540}
        h1{font-size:1.4rem;margin:0 0 .5rem}
        .note{background:#fff8e1;border-radius:6px;padding:.5rem .75rem;font-size:.9rem}
        table{width:100%;border-collapse:collapse;font-size:.95rem}th,td{text-align:left;padding:.35rem 0;border-bottom:1px solid #e3e8ee}
        th:nth-child(n+2),td:nth-child(n+2){text-align:right}
        .total{font-size:1.15rem;text-align:right}.buyer,.card,.ref{color:#5f6368;font-size:.85rem}.ref{overflow-wrap:anywhere}
        .actions{display:flex;gap:.75rem;margin:1.5rem 0 .5rem}.actions form{flex:1}
        button{width:100%;padding:.75rem;border:0;border-radius:6px;font:inherit;font-weight:700;cursor:pointer}
        .pay{background:#635bff;color:#fff}.pay:hover{background:#5146e0}
        .cancel{background:#e3e8ee;color:#1a1f36}.cancel:hover{background:#d5dbe1}
        </style>
        </head>
        <body>
        <main>
        <p class="brand">stripe <span>Sandbox</span></p>
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

// Stripe's zero-decimal currencies (amounts are whole units); all others here have two or three decimals.
internal static class StripeCurrencies
{
    private static readonly HashSet<string> ZeroDecimal = ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"];
    private static readonly HashSet<string> ThreeDecimal = ["bhd", "jod", "kwd", "omr", "tnd"];

    public static int Decimals(string currency) =>
        ZeroDecimal.Contains(currency) ? 0 : ThreeDecimal.Contains(currency) ? 3 : 2;
}
