using System.Globalization;
using System.Net.Mail;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orders.Sandbox.Template;
using static Orders.Sandbox.Template.PayPage;

namespace Orders.Sandbox.Avangate;

internal sealed record CartView(
    string Refno, AvangateOrderState State, IReadOnlyList<BuyLinkItem> Items, string Currency, decimal Total,
    string? Email, string? CustomerName, string? ReturnUrl, bool Locked);

// The shopper's side: 2Checkout's hosted cart reduced to the billing name and e-mail (pre-filled
// from the link's name and email), the quantities unless the link locked the cart, Pay and Cancel.
internal static class AvangateCartPage
{
    public static void MapCartPage(this RouteGroupBuilder sandbox)
    {
        sandbox.MapGet("/checkout/buy", OpenBuyLink);
        sandbox.MapGet("/checkout/cart/{refno}", ShowCart);
        sandbox.MapPost("/checkout/cart/{refno}/pay", Pay);
        sandbox.MapPost("/checkout/cart/{refno}/cancel", Cancel);
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
            return new CartView(order.Refno, order.State, link.Items, link.Currency, link.Total, order.Email ?? link.PrefillEmail, link.CustomerName, link.ReturnUrl, link.Locked);
        }
    }

    private static ContentHttpResult OpenBuyLink(
        HttpContext context, AvangateOrders orders, AvangateProfile profile, IOptions<AvangateSandboxOptions> options, TimeProvider time, ILogger<AvangateOrders> logger)
    {
        var (link, error) = AvangateBuyLinks.Validate(Parameters(context.Request.Query), options.Value, time.GetUtcNow());
        if (error is not null)
        {
            logger.Refused("2Checkout", error.Code);
            return Render(context, profile.Theme, StatusCodes.Status400BadRequest, "Link not valid",
                $"<h1>This payment link is not valid</h1><p class=\"error\" role=\"alert\">{Encode(error.Message)}</p><p class=\"ref\">Error code <code>{Encode(error.Code)}</code></p>");
        }
        var (order, _) = orders.Open(link!);
        return Cart(context, profile, View(order), error: null, StatusCodes.Status200OK);
    }

    private static ContentHttpResult ShowCart(string refno, HttpContext context, AvangateOrders orders, AvangateProfile profile)
    {
        return orders.Find(refno) is { } order
            ? Cart(context, profile, View(order), error: null, StatusCodes.Status200OK)
            : NotFound(context, profile.Theme);
    }

    private static async Task<Results<SeeOtherHttpResult, ContentHttpResult>> Pay(
        string refno, HttpContext context, AvangateOrders orders, AvangateProfile profile, CancellationToken cancellationToken)
    {
        if (orders.Find(refno) is not { } order)
        {
            return NotFound(context, profile.Theme);
        }
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(cancellationToken) : null;
        var email = form?["email"].ToString().Trim() ?? "";
        if (!IsEmail(email))
        {
            return Cart(context, profile, View(order) with { Email = email }, "Enter the e-mail address the licence should be sent to.", StatusCodes.Status400BadRequest);
        }
        if (form is not null && !ChangeQuantities(order, form))
        {
            return Cart(context, profile, View(order) with { Email = email }, $"Each quantity must be a whole number from 1 to {AvangateBuyLinks.MaxQuantity}.", StatusCodes.Status400BadRequest);
        }
        var (payment, refusal) = orders.Pay(refno, email);
        if (refusal is not null)
        {
            return Message(context, profile.Theme, refusal.StatusCode, "Order closed", "This order is closed", refusal.Message);
        }
        return payment!.ReturnUrl is { } returnUrl && payment.ReturnType == "link"
            ? Message(context, profile.Theme, StatusCodes.Status200OK, "Thank you", "Thank you", "Your payment is complete.", ReturnLink(returnUrl) + Reference(refno))
            : BackTo(payment.ReturnUrl, () => Message(context, profile.Theme, StatusCodes.Status200OK, "Thank you", "Thank you", "Your payment is complete; you can close this window.", Reference(refno)));
    }

    // An unlocked cart takes the quantities the shopper typed (qty-0, qty-1, …); a locked one ignores them.
    private static bool ChangeQuantities(AvangateOrder order, IFormCollection form)
    {
        lock (order.Gate)
        {
            var link = order.Link;
            if (link.Locked || order.State != AvangateOrderState.Cart)
            {
                return true;
            }
            var items = link.Items.Select((item, i) => form.TryGetValue($"qty-{i}", out var typed)
                ? item with { Quantity = int.TryParse(typed, NumberStyles.None, CultureInfo.InvariantCulture, out var q) && q is >= 1 and <= AvangateBuyLinks.MaxQuantity ? q : 0 }
                : item).ToList();
            if (items.Any(i => i.Quantity == 0))
            {
                return false;
            }
            order.Link = link with { Items = items };
            return true;
        }
    }

    // 2Checkout does not notify abandoned carts: the shopper is just sent back.
    private static Results<SeeOtherHttpResult, ContentHttpResult> Cancel(string refno, HttpContext context, AvangateOrders orders, AvangateProfile profile)
    {
        if (orders.Find(refno) is not { } order)
        {
            return NotFound(context, profile.Theme);
        }
        return BackTo(order.Link.ReturnUrl, () => Message(context, profile.Theme, StatusCodes.Status200OK, "Cancelled", "Order cancelled", "Nothing was charged; you can close this window."));
    }

    private static ContentHttpResult Cart(HttpContext context, AvangateProfile profile, CartView cart, string? error, int statusCode)
    {
        var money = (decimal value) => AvangateMoney.Format(value, cart.Currency) + " " + cart.Currency;
        var body = new StringBuilder();
        if (cart.State != AvangateOrderState.Cart)
        {
            body.Append("<h1>").Append(cart.State == AvangateOrderState.Complete ? "Already paid" : "Order closed").Append("</h1>")
                .Append("<p>This order has already been ").Append(cart.State == AvangateOrderState.Complete ? "paid" : "closed").Append(".</p>");
            if (cart.ReturnUrl is { } returnUrl)
            {
                body.Append(ReturnLink(returnUrl));
            }
            return Render(context, profile.Theme, statusCode, "Order", body.Append(Reference(cart.Refno)).ToString());
        }

        var actions = profile.LocalPath(context, "/checkout/cart/" + Uri.EscapeDataString(cart.Refno));
        body.Append("<h1>Your order</h1>")
            .Append("<p class=\"note\">Local 2Checkout sandbox: no real card, no real money.</p>")
            .Append(Table(["Product", "Quantity", "Unit price", "Total"],
                cart.Items.Select(i => new[] { i.Name, i.Quantity.ToString(CultureInfo.InvariantCulture), money(i.UnitPrice), money(i.UnitPrice * i.Quantity) })))
            .Append(cart.Locked ? "<p class=\"note\" data-locked>The merchant has locked this cart: products and quantities cannot be changed.</p>" : "")
            .Append("<p class=\"total\">Total <strong data-total>").Append(Encode(money(cart.Total))).Append("</strong></p>")
            .Append("<p class=\"currency\">Currency <span data-currency>").Append(Encode(cart.Currency)).Append("</span></p>");
        body.Append("<form id=\"pay-form\" method=\"post\" action=\"").Append(Encode(actions + "/pay")).Append("\">");
        if (!cart.Locked)
        {
            foreach (var (item, i) in cart.Items.Select((item, i) => (item, i)))
            {
                body.Append(CultureInfo.InvariantCulture, $"<label for=\"qty-{i}\">Quantity of {Encode(item.Name)}</label>")
                    .Append(CultureInfo.InvariantCulture, $"<input id=\"qty-{i}\" name=\"qty-{i}\" type=\"number\" min=\"1\" max=\"{AvangateBuyLinks.MaxQuantity}\" required value=\"{item.Quantity}\">");
            }
        }
        body.Append("<label for=\"name\">Name</label>")
            .Append("<input id=\"name\" name=\"name\" type=\"text\" autocomplete=\"name\" maxlength=\"200\" value=\"").Append(Encode(cart.CustomerName ?? "")).Append("\">")
            .Append("<label for=\"email\">E-mail address</label>")
            .Append("<input id=\"email\" name=\"email\" type=\"email\" required autocomplete=\"email\" maxlength=\"254\" value=\"").Append(Encode(cart.Email ?? "")).Append('"');
        if (error is not null)
        {
            body.Append(" aria-invalid=\"true\" aria-describedby=\"pay-error\"");
        }
        body.Append("></form>");
        if (error is not null)
        {
            body.Append("<p id=\"pay-error\" class=\"error\" role=\"alert\">").Append(Encode(error)).Append("</p>");
        }
        body.Append(Actions(actions, payForm: "pay-form")).Append(Reference(cart.Refno));
        return Render(context, profile.Theme, statusCode, "Checkout", body.ToString());
    }

    private static string ReturnLink(string url) => $"<p><a href=\"{Encode(url)}\">Return to the merchant</a></p>";

    private static string Reference(string refno) =>
        $"<p class=\"ref\">Order reference <span data-refno=\"{Encode(refno)}\">{Encode(refno)}</span></p>";

    private static ContentHttpResult NotFound(HttpContext context, PageTheme theme) => Message(context, theme, StatusCodes.Status404NotFound, "Order not found", "Order not found", "There is no sandbox cart with this reference.");
}
