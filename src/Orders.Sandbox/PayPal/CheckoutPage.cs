using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Sandbox.Template;
using static Orders.Sandbox.Template.PayPage;

namespace Orders.Sandbox.PayPal;

// The buyer's side: PayPal's hosted approval page, reduced to Pay and Cancel.
internal static class CheckoutPage
{
    public static void MapCheckoutPage(this RouteGroupBuilder sandbox)
    {
        sandbox.MapGet("/checkoutnow", Show);
        sandbox.MapPost("/checkoutnow/{orderId}/pay", Pay);
        sandbox.MapPost("/checkoutnow/{orderId}/cancel", Cancel);
    }

    private static ContentHttpResult Show(
        [FromQuery] string? token, HttpContext context, SandboxOrders orders, SandboxProfile<PayPalSandboxOptions> profile, PayPalSandboxAccounts accounts)
    {
        if (token is null || orders.FindForCheckout(token) is not { } order)
        {
            return Message(context, profile.Theme, StatusCodes.Status404NotFound, "Order not found", "Order not found", "This checkout link does not belong to any sandbox order.");
        }
        var merchant = Encode(order.BrandName ?? "the merchant");
        if (order.Status == "COMPLETED")
        {
            return Render(context, profile.Theme, StatusCodes.Status200OK, "Already paid", $"<h1>Already paid</h1><p>Order <code>{Encode(order.Id)}</code> to {merchant} has already been paid.</p>");
        }
        var body = new StringBuilder($"<h1>Pay {merchant}</h1><p class=\"note\">Local PayPal sandbox: no real account, no real money.</p>");
        foreach (var unit in order.Units)
        {
            body.Append("<section>");
            if (unit.Description is { } description)
            {
                body.Append("<h2>").Append(Encode(description)).Append("</h2>");
            }
            if (unit.Items.Count > 0)
            {
                body.Append(Table(["Item", "Qty", "Price"], unit.Items.Select(i => new[] { i.Name, i.Quantity.ToString(CultureInfo.InvariantCulture), i.UnitAmount.ToString() })));
            }
            body.Append("<p class=\"total\">Total <strong>").Append(Encode(unit.Amount.ToString())).Append("</strong></p></section>");
        }
        body.Append("<p class=\"buyer\">Paying as ").Append(Encode(accounts.PayerEmail)).Append("</p>")
            .Append(Actions(profile.LocalPath(context, "/checkoutnow/" + Uri.EscapeDataString(order.Id))))
            .Append("<p class=\"ref\">Order ").Append(Encode(order.Id)).Append("</p>");
        return Render(context, profile.Theme, StatusCodes.Status200OK, "Pay", body.ToString());
    }

    private static Results<SeeOtherHttpResult, ContentHttpResult> Pay(string orderId, HttpContext context, SandboxOrders orders, SandboxProfile<PayPalSandboxOptions> profile)
    {
        var (approval, failure) = orders.Approve(orderId, "COMPLETED");
        if (failure is not null)
        {
            return failure.StatusCode == StatusCodes.Status404NotFound
                ? Message(context, profile.Theme, StatusCodes.Status404NotFound, "Order not found", "Order not found", "There is no sandbox order to pay.")
                : Message(context, profile.Theme, StatusCodes.Status409Conflict, "Already paid", "Already paid", "This order has already been paid.");
        }
        return BackTo(approval!.ReturnUrl, () => Message(context, profile.Theme, StatusCodes.Status200OK, "Approved", "Payment approved", "The order did not give a return_url; you can close this window."));
    }

    private static Results<SeeOtherHttpResult, ContentHttpResult> Cancel(string orderId, HttpContext context, SandboxOrders orders, SandboxProfile<PayPalSandboxOptions> profile)
    {
        if (!orders.TryGetCancelUrl(orderId, out var cancelUrl))
        {
            return Message(context, profile.Theme, StatusCodes.Status404NotFound, "Order not found", "Order not found", "There is no sandbox order to cancel.");
        }
        return BackTo(cancelUrl, () => Message(context, profile.Theme, StatusCodes.Status200OK, "Cancelled", "Payment cancelled", "The order did not give a cancel_url; you can close this window."));
    }
}
