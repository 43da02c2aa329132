using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Orders.Sandbox.Template;
using static Orders.Sandbox.Template.PayPage;

namespace Orders.Sandbox.Stripe;

// The customer's side: Stripe's hosted Checkout page reduced to Pay and Cancel.
internal static class StripeCheckoutPage
{
    public static void MapStripeCheckoutPage(this RouteGroupBuilder sandbox)
    {
        sandbox.MapGet("/c/pay/{id}", Show);
        sandbox.MapPost("/c/pay/{id}/pay", Pay);
        sandbox.MapPost("/c/pay/{id}/cancel", Cancel);
    }

    // Where Stripe sends the customer after paying: {CHECKOUT_SESSION_ID} is replaced with the session id.
    public static string? SuccessUrl(StripeSession session) =>
        session.Request.SuccessUrl?.Replace("{CHECKOUT_SESSION_ID}", session.Id, StringComparison.Ordinal);

    private static ContentHttpResult Show(string id, HttpContext context, StripeSessions sessions, StripeProfile profile)
    {
        if (sessions.Find(id) is not { } session)
        {
            return NotFound(context, profile.Theme);
        }
        sessions.Render(session); // expires it if its time has come
        string status;
        lock (session.Gate)
        {
            status = session.Status;
        }
        if (status == StripeSession.Expired)
        {
            return Message(context, profile.Theme, StatusCodes.Status410Gone, "Expired", "This checkout has expired", "Nothing was charged. Go back to the shop to start again.");
        }
        if (status == StripeSession.Complete)
        {
            var back = SuccessUrl(session) is { } url ? $"<p><a href=\"{Encode(url)}\">Return to the shop</a></p>" : "";
            return Render(context, profile.Theme, StatusCodes.Status200OK, "Already paid", $"<h1>Already paid</h1><p>This checkout has already been completed.</p>{back}");
        }

        var r = session.Request;
        var money = (long amount) => Encode(Amount(amount, r.Currency));
        var actions = profile.LocalPath(context, "/c/pay/" + Uri.EscapeDataString(session.Id));
        var body = new StringBuilder()
            .Append("<h1>Pay ").Append(money(r.AmountTotal)).Append("</h1>")
            .Append("<p class=\"note\">Local Stripe sandbox: no real card, no real money.</p>")
            .Append(Table(["Item", "Qty", "Price"], r.LineItems.Select(i => new[] { i.Name, i.Quantity.ToString(CultureInfo.InvariantCulture), Amount(i.UnitAmount * i.Quantity, r.Currency) })))
            .Append("<p class=\"total\">Total due <strong data-total>").Append(money(r.AmountTotal)).Append("</strong></p>");
        if (r.CustomerEmail is { } email)
        {
            body.Append("<p class=\"buyer\">Receipt to <span data-email>").Append(Encode(email)).Append("</span></p>");
        }
        body.Append("<p class=\"card\">Card •••• 4242 (sandbox test card)</p>")
            .Append(Actions(actions))
            .Append("<p class=\"ref\">Checkout Session <span data-session-id>").Append(Encode(session.Id)).Append("</span></p>");
        return Render(context, profile.Theme, StatusCodes.Status200OK, "Pay", body.ToString());
    }

    private static Results<SeeOtherHttpResult, ContentHttpResult> Pay(string id, HttpContext context, StripeSessions sessions, StripeProfile profile)
    {
        var (session, failure) = sessions.Pay(id, delayed: false);
        if (failure is not null)
        {
            return failure.StatusCode == StatusCodes.Status404NotFound
                ? NotFound(context, profile.Theme)
                : Message(context, profile.Theme, StatusCodes.Status410Gone, "Expired", "This checkout has expired", "Nothing was charged.");
        }
        return BackTo(SuccessUrl(session!), () => Message(context, profile.Theme, StatusCodes.Status200OK, "Paid", "Thanks for your payment", "You can close this window."));
    }

    // Stripe leaves the session open when the customer goes back: it can still be paid until it expires.
    private static Results<SeeOtherHttpResult, ContentHttpResult> Cancel(string id, HttpContext context, StripeSessions sessions, StripeProfile profile)
    {
        if (sessions.Find(id) is not { } session)
        {
            return NotFound(context, profile.Theme);
        }
        return BackTo(session.Request.CancelUrl, () => Message(context, profile.Theme, StatusCodes.Status200OK, "Cancelled", "Payment cancelled", "Nothing was charged; you can close this window."));
    }

    // Minor units as the customer reads them; Stripe's zero-decimal currencies have no fraction.
    private static string Amount(long minor, string currency)
    {
        var decimals = StripeCurrencies.Decimals(currency);
        var value = minor / (decimal)Math.Pow(10, decimals);
        return value.ToString("N" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + " " + currency.ToUpperInvariant();
    }

    private static ContentHttpResult NotFound(HttpContext context, PageTheme theme) => Message(context, theme, StatusCodes.Status404NotFound, "Not found", "Something went wrong", "The page you were looking for could not be found.");
}

// Stripe's zero-decimal currencies (amounts are whole units); all others here have two or three decimals.
internal static class StripeCurrencies
{
    private static readonly HashSet<string> ZeroDecimal = ["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"];
    private static readonly HashSet<string> ThreeDecimal = ["bhd", "jod", "kwd", "omr", "tnd"];

    public static int Decimals(string currency) =>
        ZeroDecimal.Contains(currency) ? 0 : ThreeDecimal.Contains(currency) ? 3 : 2;
}
