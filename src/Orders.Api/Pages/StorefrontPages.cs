using System.Globalization;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Catalog;
using Orders.Api.Checkout;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Orders;
using Orders.Api.Payments;
using Orders.Api.Payments.PayPal;
using static Orders.Api.Pages.Html;

namespace Orders.Api.Pages;

// The customer's pages: product list, order form, order status. They use the same checkout service
// and order query as the JSON API, so both paths behave the same.
internal static class StorefrontPages
{
    public static IEndpointRouteBuilder MapStorefront(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("").WithTags("Pages").ExcludeFromDescription();
        pages.MapGet("/", Home);
        pages.MapGet("/buy/{sku}", BuyForm);
        pages.MapPost("/buy/{sku}", Buy).RequireRateLimiting(RateLimits.Checkout);
        pages.MapGet("/orders/{orderNumber}", OrderStatusPage);
        return app;
    }

    internal sealed record BuyFormFields(string? Email, string? LicenseeName, int? Quantity, string? Provider);

    private static ContentHttpResult Home(ProductCatalog catalog)
    {
        var items = string.Concat(catalog.All.Select(p =>
            $"""<li><strong>{E(p.Name)}</strong> — {E(Money.Format(p.PriceMinor, p.Currency))} <a href="/buy/{Uri.EscapeDataString(p.Sku)}">Buy</a></li>"""));
        return Page("Products", $"""
            <h1>Products</h1>
            <ul class="products">{items}</ul>
            <p>Payment happens on the payment provider's page; this site never sees card details.</p>
            """);
    }

    private static Results<ContentHttpResult, NotFound> BuyForm(string sku, HttpContext context, ProductCatalog catalog, PaymentProviders providers, IAntiforgery antiforgery)
    {
        var product = catalog.Find(sku);
        return product is null ? TypedResults.NotFound() : FormPage(context, product, providers, antiforgery, new BuyFormFields(null, null, 1, PayPalProvider.ProviderName), null, 200);
    }

    private static async Task<Results<SeeOtherResult, ContentHttpResult, NotFound>> Buy(
        string sku, [FromForm] BuyFormFields form, HttpContext context, ProductCatalog catalog, PaymentProviders providers,
        IAntiforgery antiforgery, CheckoutService checkout, CancellationToken ct)
    {
        var product = catalog.Find(sku);
        if (product is null)
        {
            return TypedResults.NotFound();
        }

        var request = new CheckoutRequest(product.Sku, form.Quantity, form.Email, form.LicenseeName, form.Provider);
        var outcome = await checkout.StartAsync(request, idempotencyKey: null, BaseUri.Of(context), ct);
        return outcome switch
        {
            CheckoutOutcome.Created created => new SeeOtherResult(created.Response.RedirectUrl),
            CheckoutOutcome.Invalid invalid => FormPage(context, product, providers, antiforgery, form, invalid.Errors, 400),
            CheckoutOutcome.ProviderFailed failed => Page("Payment unavailable", $"""
                <h1>Payment unavailable</h1>
                <p class="error">{E(failed.Provider)} cannot be reached right now. No order was created and nothing was charged.</p>
                <p><a href="/buy/{Uri.EscapeDataString(product.Sku)}">Try again</a></p>
                """, failed.Unavailable ? 503 : 502),
            _ => throw new InvalidOperationException($"Unhandled checkout outcome {outcome.GetType().Name}."),
        };
    }

    // A pending order's page refreshes itself this long after checkout; later the customer has to
    // ask, so a payment page left open (or abandoned) does not refresh forever.
    private static readonly TimeSpan SelfRefreshFor = TimeSpan.FromMinutes(15);

    private static async Task<ContentHttpResult> OrderStatusPage(
        string orderNumber, string? token, string? left, Db db, PaymentProviders providers, TimeProvider time, CancellationToken ct)
    {
        var order = await OrderEndpoints.LoadAsync(db, orderNumber, token, ct);
        if (order is null)
        {
            return Page("Order not found", "<h1>Order not found</h1><p>No order matches this link. Use the link from your checkout or your e-mail.</p>", 404);
        }

        // After an erasure the key text is gone from the shop (it carries the licensee name); the
        // key the customer received stays valid. A revoked key is not shown at all, as a real shop
        // does: it cannot be used, and a key on a page gets copied; the page says it no longer works.
        var licenses = order.PersonalDataErasedAt is { } erasedAt
            ? $"""<p data-testid="erased">Your personal data on this order was erased on {erasedAt:yyyy-MM-dd} at your request. Your license key keeps working; we no longer hold a copy of it or your e-mail address.</p>"""
            : string.Concat(order.Licenses.Select(l => l.Status == "active"
                ? $"""
                    <h2>License key</h2>
                    <p class="key" data-testid="license-key">{E(l.Key)}</p>
                    <p>{l.Seats} seat(s)</p>
                    """
                : $"""
                    <h2>License (revoked)</h2>
                    <p data-testid="license-revoked">{l.Seats} seat(s): revoked — the key no longer works.</p>
                    """));
        var provider = providers.Find(order.Provider);
        var providerName = provider?.DisplayName ?? order.Provider;
        var now = time.GetUtcNow().UtcDateTime;
        var selfRefreshing = order.Status == OrderStatus.Pending && left is null && now - order.CreatedAt < SelfRefreshFor;
        var message = order.Status switch
        {
            OrderStatus.Pending when left is not null =>
                $"You left {providerName}'s payment page. {providerName} has not confirmed a payment for this order, so nothing has been charged as far as we know. If you did pay, your license is e-mailed to you as soon as {providerName} confirms it.",
            OrderStatus.Pending when selfRefreshing =>
                $"We are confirming your payment with {providerName}; this page updates by itself. If you left without paying, nothing was charged.",
            OrderStatus.Pending =>
                $"{providerName} has not confirmed a payment for this order yet. If you paid, your license is e-mailed to you as soon as {providerName} confirms it. If you left without paying, nothing was charged.",
            OrderStatus.Canceled => $"You canceled the payment at {providerName}. Nothing was charged.",
            _ => order.Summary,
        };
        var waysOn = WaysOn(order, provider, providerName, now, selfRefreshing);
        // What the customer answered to privacy notices about this address (the e-mail has the
        // link that changes an answer).
        var notices = order.PrivacyNotices.Count == 0 ? "" : $"""
            <h2>Privacy notices</h2>
            <ul>{string.Concat(order.PrivacyNotices.Select(n => $"""
                <li data-testid="privacy-notice">{E(n.Subject)} (from {n.EffectiveOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}):
                {(n.Choice is null ? "not answered yet" : $"you {(n.Choice == "accepted" ? "agreed" : "did not agree")} on {n.ChosenAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC")}</li>
                """))}</ul>
            """;
        var refresh = selfRefreshing ? """<meta http-equiv="refresh" content="3">""" : null;
        return Page($"Order {order.OrderNumber}", $"""
            <h1>Order {E(order.OrderNumber)}</h1>
            <p>Status: <span class="status" data-testid="order-status">{E(order.Status)}</span></p>
            <p data-testid="status-message">{E(message)}</p>
            {waysOn}
            <table>
            <tr><th>Product</th><td>{E(order.ProductName)}</td></tr>
            <tr><th>Quantity</th><td>{order.Quantity}</td></tr>
            <tr><th>Total</th><td>{E(Money.Format(order.TotalMinor, order.Currency))}</td></tr>
            <tr><th>Ordered</th><td>{order.CreatedAt.ToString("u", CultureInfo.InvariantCulture)}</td></tr>
            </table>
            {licenses}
            {notices}
            """, head: refresh);
    }

    // For an order that was never paid: back to the same payment page while the provider keeps it
    // payable, or a new checkout with another payment method.
    private static string WaysOn(OrderView order, IPaymentProvider? provider, string providerName, DateTime now, bool selfRefreshing)
    {
        if (order.Status is not (OrderStatus.Pending or OrderStatus.Canceled or OrderStatus.Expired or OrderStatus.Failed))
        {
            return "";
        }

        var back = order.PaymentPageUrl is { } url && provider?.PaymentPageOpenUntil(order.CreatedAt, order.Status) > now
            ? $"""<li><a href="{E(url)}" data-testid="back-to-payment">Return to {E(providerName)}'s payment page</a></li>"""
            : "";
        var again = order.Status == OrderStatus.Pending && !selfRefreshing ? """<li><a href="" data-testid="check-again">Check again</a></li>""" : "";
        return $"""
            <ul class="ways-on">
            {back}
            <li><a href="/buy/{Uri.EscapeDataString(order.Sku)}" data-testid="another-method">Choose another payment method</a></li>
            {again}
            </ul>
            """;
    }

    private static ContentHttpResult FormPage(HttpContext context, Product product, PaymentProviders providers, IAntiforgery antiforgery,
        BuyFormFields form, Dictionary<string, string[]>? errors, int statusCode)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        bool Invalid(string field) => errors?.ContainsKey(field) == true;
        string Error(string field) => Invalid(field)
            ? $"""<div class="error" id="{field}-error">{E(string.Join(" ", errors![field]))}</div>"""
            : "";
        // Links a field to its error for screen readers.
        string Describe(string field) => Invalid(field) ? $"aria-invalid=\"true\" aria-describedby=\"{field}-error\"" : "";
        // Never send a card-like number back to the browser, not even into the form it came from.
        string Keep(string? value) => CardNumberGuard.ContainsCardLikeNumber(value) ? "" : E(value);
        var providerChoices = string.Concat(providers.Names.Order(StringComparer.Ordinal).Select(name => $"""
            <input type="radio" id="provider-{E(name)}" name="provider" value="{E(name)}" {(string.Equals(form.Provider, name, StringComparison.OrdinalIgnoreCase) ? "checked" : "")}>
            <label for="provider-{E(name)}">{E(ProviderLabel(name))}</label>
            """));
        return Page($"Buy {product.Name}", $"""
            <h1>Buy {E(product.Name)}</h1>
            <p>{E(Money.Format(product.PriceMinor, product.Currency))} per seat.</p>
            <form method="post" action="/buy/{Uri.EscapeDataString(product.Sku)}" novalidate>
              <input type="hidden" name="{E(tokens.FormFieldName)}" value="{E(tokens.RequestToken)}">
              <label for="email">E-mail address (the license is sent here)</label>
              <input id="email" name="email" type="email" autocomplete="email" required value="{Keep(form.Email)}" {Describe("email")}>
              {Error("email")}
              <label for="licenseeName">Licensee name (printed in the license)</label>
              <input id="licenseeName" name="licenseeName" required maxlength="{CheckoutValidation.MaxLicenseeNameLength}" value="{Keep(form.LicenseeName)}" {Describe("licenseeName")}>
              {Error("licenseeName")}
              <label for="quantity">Seats</label>
              <input id="quantity" name="quantity" type="number" min="1" max="{CheckoutValidation.MaxQuantity}" value="{form.Quantity ?? 1}" {Describe("quantity")}>
              {Error("quantity")}
              <fieldset><legend>Pay with</legend>{providerChoices}</fieldset>
              {Error("provider")}
              <button type="submit">Continue to payment</button>
            </form>
            """, statusCode);
    }

    private static string ProviderLabel(string name) => name switch
    {
        "paypal" => "PayPal",
        "avangate" => "2Checkout (card, PayPal and more; VAT handled by the reseller)",
        "stripe" => "Card (Stripe)",
        _ => name,
    };
}
