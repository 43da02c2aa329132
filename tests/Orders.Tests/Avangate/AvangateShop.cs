using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Orders.Sandbox;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Avangate;

// What a shopper and the reseller do, over HTTP against the service and its in-process sandbox.
public sealed class AvangateShop(OrdersApp app, Shop shop)
{
    public const string SandboxSecretKey = "sandbox-ipn-secret-key";

    public async Task<CheckoutDto> CheckoutAsync(string sku = "PHOTOSHRINK-PRO", int quantity = 1, string email = "ada@example.com", string licenseeName = "Ada Lovelace")
    {
        using var response = await shop.PostCheckoutAsync(new { sku, quantity, email, licenseeName, provider = "avangate" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var checkout = await response.ReadAsync<CheckoutDto>();
        Assert.Contains("/sandbox/avangate/checkout/buy?", checkout.RedirectUrl, StringComparison.Ordinal);
        return checkout;
    }

    // Opens the hosted cart from the buy-link (the sandbox checks its signature) and returns the REFNO.
    public async Task<string> OpenCartAsync(CheckoutDto checkout)
    {
        var query = new Uri(checkout.RedirectUrl).Query.TrimStart('?');
        using var response = await shop.Http.PostAsync("/sandbox/avangate/carts", new StringContent(query, Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadAsync<JsonElement>()).GetProperty("refno").GetString()!;
    }

    public async Task<string> PayAsync(CheckoutDto checkout)
    {
        var refNo = await OpenCartAsync(checkout);
        using var response = await shop.Http.PostAsync($"/sandbox/avangate/orders/{refNo}/pay", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return refNo;
    }

    public async Task<JsonElement[]> NotificationsAsync() =>
        (await shop.Http.GetFromJsonAsync<JsonElement[]>("/sandbox/avangate/_notifications"))!;

    public async Task<HttpResponseMessage> PostIpnAsync(IReadOnlyList<KeyValuePair<string, string>> fields, string path = "/webhooks/avangate")
    {
        var content = new StringContent(AvangateIpnSigner.FormEncode(fields), Encoding.UTF8, "application/x-www-form-urlencoded");
        return await shop.Http.PostAsync(path, content);
    }

    public IReadOnlyList<KeyValuePair<string, string>> Sign(IReadOnlyList<KeyValuePair<string, string>> fields, string secret = SandboxSecretKey) =>
        app.Service<AvangateIpnSigner>().Sign(fields, secret);

    // A small but well-formed IPN for scenarios the sandbox would not produce itself.
    public static List<KeyValuePair<string, string>> Ipn(string orderNumber, string refNo, string status, string total, string currency = "USD",
        string sku = "PHOTOSHRINK-PRO", string messageId = "1") =>
    [
        new("SALEDATE", "2026-11-29 10:00:00"),
        new("REFNO", refNo),
        new("REFNOEXT", orderNumber),
        new("ORDERSTATUS", status),
        new("FIRSTNAME", AvangateSandboxShopper.FirstName),
        new("LASTNAME", AvangateSandboxShopper.LastName),
        new("PHONE", AvangateSandboxShopper.Phone),
        new("IPADDRESS", AvangateSandboxShopper.IpAddress),
        new("CURRENCY", currency),
        new("IPN_PID[]", "1"),
        new("IPN_PNAME[]", "PhotoShrink Pro"),
        new("IPN_EXTERNAL_REFERENCE[]", sku),
        new("IPN_QTY[]", "1"),
        new("IPN_PRICE[]", total),
        new("MESSAGE_ID", messageId),
        new("IPN_LICENSE_REF[]", $"2CO-LIC-{refNo}"),
        new("IPN_TOTALGENERAL", total),
        new("TEST_ORDER", "1"),
        new("FRAUD_STATUS", "APPROVED"),
        new("IPN_DATE", DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture)),
    ];
}
