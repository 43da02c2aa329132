using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Catalog;
using Orders.Api.Checkout;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Orders;
using Orders.Api.Payments;
using Orders.Api.Payments.PayPal;

namespace Orders.Api.Pages;

// What the order form posts. Seats arrive as text so that "1.5" is an error shown on the form,
// not a request the framework refuses to read.
public sealed record BuyFormFields(string? Email, string? LicenseeName, string? Quantity, string? Provider);

// The customer's pages: product list, order form, order status. They use the same checkout service
// and order query as the JSON API, so both paths behave the same.
internal static class StorefrontPages
{
    // Razor components rendered on the server only (no interactivity, no circuits): encoding and
    // the antiforgery field come from the framework.
    public static IServiceCollection AddShopPages(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddSingleton<IHtmlErrorPages, ShopPages>();
        return services;
    }

    public static IEndpointRouteBuilder MapStorefront(this IEndpointRouteBuilder app)
    {
        app.MapShopAssets();
        var pages = app.MapGroup("").WithTags("Pages").ExcludeFromDescription();
        pages.MapGet("/", Home);
        pages.MapGet("/buy/{sku}", BuyForm);
        pages.MapPost("/buy/{sku}", Buy).RequireRateLimiting(RateLimits.Checkout);
        pages.MapGet("/orders/{orderNumber}", OrderStatusPage);
        return app;
    }

    private static RazorComponentResult<HomePage> Home(ProductCatalog catalog) =>
        new(new { Products = catalog.All });

    private static IResult BuyForm(string sku, ProductCatalog catalog, PaymentProviders providers)
    {
        var product = catalog.Find(sku);
        return product is null ? ShopPages.NotFound() : FormPage(product, providers, new BuyFormFields(null, null, "1", PayPalProvider.ProviderName), null, 200);
    }

    private static async Task<IResult> Buy(
        string sku, [FromForm] BuyFormFields form, HttpContext context, ProductCatalog catalog, PaymentProviders providers,
        CheckoutService checkout, CancellationToken ct)
    {
        var product = catalog.Find(sku);
        if (product is null)
        {
            return ShopPages.NotFound();
        }

        // Not a whole number: no quantity, which the checkout's validation reports on the field.
        int? quantity = int.TryParse(form.Quantity, NumberStyles.None, CultureInfo.InvariantCulture, out var q) ? q : null;
        var request = new CheckoutRequest(product.Sku, quantity, form.Email, form.LicenseeName, form.Provider);
        var outcome = await checkout.StartAsync(request, idempotencyKey: null, BaseUri.Of(context), ct);
        return outcome switch
        {
            CheckoutOutcome.Created created => new SeeOtherResult(created.Response.RedirectUrl),
            CheckoutOutcome.Invalid invalid => FormPage(product, providers, form, invalid.Errors, 400),
            CheckoutOutcome.ProviderFailed failed => ShopPages.Message(
                failed.Unavailable ? 503 : 502, "Payment unavailable",
                $"{failed.Provider} cannot be reached right now. No order was created and nothing was charged.",
                backHref: "/buy/" + Uri.EscapeDataString(product.Sku)),
            _ => throw new InvalidOperationException($"Unhandled checkout outcome {outcome.GetType().Name}."),
        };
    }

    // Within this long after checkout a pending order is most likely being confirmed right now.
    private static readonly TimeSpan ConfirmingFor = TimeSpan.FromMinutes(15);

    private static async Task<IResult> OrderStatusPage(
        string orderNumber, string? token, string? left, Db db, PaymentProviders providers, TimeProvider time, CancellationToken ct)
    {
        var order = await OrderEndpoints.LoadAsync(db, orderNumber, token, ct);
        if (order is null)
        {
            return ShopPages.Message(404, "Order not found", "No order matches this link. Use the link from your checkout or your e-mail.");
        }

        var provider = providers.Find(order.Provider);
        var providerName = provider?.DisplayName ?? order.Provider;
        var now = time.GetUtcNow().UtcDateTime;
        var confirming = order.Status == OrderStatus.Pending && left is null && now - order.CreatedAt < ConfirmingFor;
        var message = order.Status switch
        {
            OrderStatus.Pending when left is not null =>
                $"You left {providerName}'s payment page. {providerName} has not confirmed a payment for this order, so nothing has been charged as far as we know. If you did pay, your license is e-mailed to you as soon as {providerName} confirms it.",
            OrderStatus.Pending when confirming =>
                $"We are confirming your payment with {providerName}. This usually takes a few seconds: choose Check again to see it. If you left without paying, nothing was charged.",
            OrderStatus.Pending =>
                $"{providerName} has not confirmed a payment for this order yet. If you paid, your license is e-mailed to you as soon as {providerName} confirms it. If you left without paying, nothing was charged.",
            OrderStatus.Canceled => $"You canceled the payment at {providerName}. Nothing was charged.",
            _ => order.Summary,
        };
        return new RazorComponentResult<OrderStatusPage>(new
        {
            Order = order,
            ProviderName = providerName,
            Message = message,
            PaymentPageOpen = provider?.PaymentPageOpenUntil(order.CreatedAt, order.Status) > now,
            StatusPath = StatusTokens.StatusPath(order.OrderNumber, token!),
            StatusApi = $"/api/orders/{Uri.EscapeDataString(order.OrderNumber)}?token={Uri.EscapeDataString(token!)}",
        });
    }

    private static RazorComponentResult<BuyPage> FormPage(Product product, PaymentProviders providers, BuyFormFields form, Dictionary<string, string[]>? errors, int statusCode) =>
        new(new
        {
            Product = product,
            Form = form,
            Providers = providers.Names.Order(StringComparer.Ordinal).Select(n => KeyValuePair.Create(n, ProviderLabel(n))).ToList(),
            Errors = errors,
        })
        { StatusCode = statusCode };

    private static string ProviderLabel(string name) => name switch
    {
        "paypal" => "PayPal",
        "avangate" => "2Checkout (card, PayPal and more; VAT handled by the reseller)",
        "stripe" => "Card (Stripe)",
        _ => name,
    };
}
