using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Orders.BrowserTests.Infrastructure;

public sealed record Purchase(string OrderNumber, string StatusPath, string PaymentPageUrl);

public sealed record PaidPurchase(string OrderNumber, string StatusPath, string LicenseKey);

// Orders made the way the order form and the sandbox's Pay button make them, over plain HTTP, for
// tests whose subject comes after the purchase.
public static partial class Purchases
{
    public static async Task<Purchase> StartAsync(OrdersApp app, string email, string licensee, string provider = "paypal")
    {
        using var http = Client(app);
        using var created = await http.PostAsJsonAsync("/api/checkout", new { sku = "PHOTOSHRINK-PRO", quantity = 1, email, licenseeName = licensee, provider });
        created.EnsureSuccessStatusCode();
        var checkout = await created.Content.ReadFromJsonAsync<JsonElement>();
        return new Purchase(
            checkout.GetProperty("orderNumber").GetString()!,
            checkout.GetProperty("statusUrl").GetString()!,
            checkout.GetProperty("redirectUrl").GetString()!);
    }

    // Paid at the PayPal sandbox; done when the license e-mail is written.
    public static async Task<PaidPurchase> PaidAsync(OrdersApp app, string email, string licensee)
    {
        var purchase = await StartAsync(app, email, licensee);
        await PayAtPayPalAsync(app, purchase);
        var mail = await Outbox.WaitForAsync(app, m => m.Mentions(purchase.OrderNumber) && m.IsTo(email), $"with the license of {purchase.OrderNumber}");
        return new PaidPurchase(purchase.OrderNumber, purchase.StatusPath, LicenseKey().Match(mail.TextBody ?? "").Value);
    }

    // What the PayPal sandbox's Pay button does, and the customer's browser coming back.
    public static async Task PayAtPayPalAsync(OrdersApp app, Purchase purchase)
    {
        using var http = Client(app);
        var payPalOrderId = PayPalToken().Match(purchase.PaymentPageUrl).Groups[1].Value;
        using var approved = await http.PostAsync($"/sandbox/paypal/orders/{payPalOrderId}/approve", null);
        approved.EnsureSuccessStatusCode();
        var returnUrl = new Uri((await approved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("returnUrl").GetString()!);
        (await http.GetAsync(returnUrl.PathAndQuery)).Dispose();
    }

    private static HttpClient Client(OrdersApp app) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = app.ServerAddress };

    [GeneratedRegex(@"[?&]token=([^&]+)")]
    private static partial Regex PayPalToken();

    [GeneratedRegex(@"ORD1-[0-9A-Z-]+")]
    public static partial Regex LicenseKey();
}
