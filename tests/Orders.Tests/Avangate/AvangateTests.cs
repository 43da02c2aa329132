using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MimeKit;
using Orders.Sandbox;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Avangate;

public sealed class AvangateTests : ServiceTest
{
    private readonly AvangateShop reseller;

    public AvangateTests() => reseller = new AvangateShop(app, shop);

    [Fact]
    public async Task PayingAtTheResellersCartPaysLicensesAndMails()
    {
        var checkout = await reseller.CheckoutAsync(quantity: 2);
        var refNo = await reseller.PayAsync(checkout);

        var order = await shop.WaitForStatusAsync(checkout, "paid");
        Assert.Equal(2, Assert.Single(order!.Licenses).Seats);
        var mail = await MimeMessage.LoadAsync(Assert.Single(await shop.WaitForMailsAsync(checkout.OrderNumber)));
        Assert.Contains(order.Licenses[0].Key, mail.TextBody, StringComparison.Ordinal);

        // Both notifications (authorized, complete) were acknowledged with a receipt the sandbox accepted.
        var notifications = await Eventually.GetAsync(reseller.NotificationsAsync,
            n => n.Count(x => x.GetProperty("delivered").GetBoolean() && x.GetProperty("receiptValid").GetBoolean()) >= 2, what: "receipts");
        Assert.All(notifications, n => Assert.True(n.GetProperty("receiptValid").GetBoolean()));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE provider_order_ref = @refNo", new { refNo }));
    }

    [Fact]
    public async Task ChangedPriceInTheBuyLinkIsRefusedByTheCart()
    {
        var checkout = await reseller.CheckoutAsync();
        var tampered = checkout.RedirectUrl.Replace("price=49.00", "price=4.90", StringComparison.Ordinal);
        Assert.NotEqual(checkout.RedirectUrl, tampered);
        using var response = await shop.Http.GetAsync(new Uri(tampered).PathAndQuery);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task DuplicateNotificationsIssueOneLicense()
    {
        (await shop.Http.PostAsJsonAsync("/sandbox/avangate/_settings", new { duplicateDeliveries = 2 })).Dispose();
        var checkout = await reseller.CheckoutAsync();
        await reseller.PayAsync(checkout);
        await shop.WaitForStatusAsync(checkout, "paid");
        await shop.WaitForMailsAsync(checkout.OrderNumber);
        await Eventually.GetAsync(reseller.NotificationsAsync, n => n.Length >= 6 && n.All(x => x.GetProperty("delivered").GetBoolean()), what: "all copies delivered");

        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
        Assert.Equal(2, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
    }

    [Fact]
    public async Task RefundAndReversalFromTheResellerRevokeTheLicense()
    {
        var refunded = await reseller.CheckoutAsync();
        var refundedRef = await reseller.PayAsync(refunded);
        await shop.WaitForStatusAsync(refunded, "paid");
        (await shop.Http.PostAsync($"/sandbox/avangate/orders/{refundedRef}/refund", null)).Dispose();
        var order = await shop.WaitForStatusAsync(refunded, "refunded");
        Assert.Equal("revoked", order!.Licenses[0].Status);

        var reversed = await reseller.CheckoutAsync(email: "bo@example.com");
        var reversedRef = await reseller.PayAsync(reversed);
        await shop.WaitForStatusAsync(reversed, "paid");
        (await shop.Http.PostAsync($"/sandbox/avangate/orders/{reversedRef}/reverse", null)).Dispose();
        order = await shop.WaitForStatusAsync(reversed, "reversed");
        Assert.Equal("revoked", order!.Licenses[0].Status);
    }

    [Fact]
    public async Task LicenseDisabledByTheResellerIsRevoked()
    {
        var checkout = await reseller.CheckoutAsync();
        var refNo = await reseller.PayAsync(checkout);
        await shop.WaitForStatusAsync(checkout, "paid");
        (await shop.Http.PostAsync($"/sandbox/avangate/orders/{refNo}/lcn?status=DISABLED", null)).Dispose();
        var order = await Eventually.GetAsync(() => shop.OrderAsync(checkout), o => o!.Licenses[0].Status == "revoked", what: "license revoked");
        Assert.Equal("paid", order!.Status);
        await Eventually.GetAsync(reseller.NotificationsAsync,
            n => n.Any(x => x.GetProperty("kind").GetString() == "lcn" && x.GetProperty("receiptValid").GetBoolean()), what: "LCN receipt");
    }

    [Fact]
    public async Task TamperedOrWronglyKeyedNotificationGetsNoReceiptAndStoresNothing()
    {
        var checkout = await reseller.CheckoutAsync();
        var signed = reseller.Sign(AvangateShop.Ipn(checkout.OrderNumber, "100000001", "COMPLETE", "49.00"));
        var tampered = signed.Select(f => f.Key == "IPN_TOTALGENERAL" ? new KeyValuePair<string, string>(f.Key, "0.01") : f).ToList();
        using (var response = await reseller.PostIpnAsync(tampered))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.DoesNotContain("<sig", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var wrongKey = reseller.Sign(AvangateShop.Ipn(checkout.OrderNumber, "100000001", "COMPLETE", "49.00"), "not-the-secret");
        using (var response = await reseller.PostIpnAsync(wrongKey))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // The legacy MD5 HASH alone is not enough unless Avangate:AllowMd5 is set.
        var md5Only = reseller.Sign(AvangateShop.Ipn(checkout.OrderNumber, "100000001", "COMPLETE", "49.00")).Where(f => f.Key is not ("SIGNATURE_SHA2_256" or "SIGNATURE_SHA3_256")).ToList();
        using (var response = await reseller.PostIpnAsync(md5Only))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);
    }

    [Fact]
    public async Task ReplayedOldNotificationIsRefused()
    {
        var checkout = await reseller.CheckoutAsync();
        var old = AvangateShop.Ipn(checkout.OrderNumber, "100000009", "COMPLETE", "49.00")
            .Select(f => f.Key == "IPN_DATE" ? new KeyValuePair<string, string>(f.Key, "20200101000000") : f).ToList();
        using var response = await reseller.PostIpnAsync(reseller.Sign(old));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
    }

    [Fact]
    public async Task ValidNotificationIsAnsweredWithAReceiptInItsOwnAlgorithm()
    {
        var checkout = await reseller.CheckoutAsync();
        var signed = reseller.Sign(AvangateShop.Ipn(checkout.OrderNumber, "100000002", "COMPLETE", "49.00"));
        var sha256Only = signed.Where(f => f.Key is not ("SIGNATURE_SHA3_256" or "HASH")).ToList();
        using var response = await reseller.PostIpnAsync(sha256Only);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipt = await response.Content.ReadAsStringAsync();
        Assert.Matches("^<sig algo=\"sha256\" date=\"\\d{14}\">[0-9a-f]{64}</sig>$", receipt);

        // A repeat is acknowledged again, with a valid receipt, and does no new work.
        using var again = await reseller.PostIpnAsync(sha256Only);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.StartsWith("<sig algo=\"sha256\"", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await shop.WaitForStatusAsync(checkout, "paid");
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
    }

    [Fact]
    public async Task PaymentForAnotherAmountOrProductGoesToReview()
    {
        var cheaper = await reseller.CheckoutAsync();
        (await reseller.PostIpnAsync(reseller.Sign(AvangateShop.Ipn(cheaper.OrderNumber, "100000003", "COMPLETE", "1.00")))).Dispose();
        Assert.Empty((await shop.WaitForStatusAsync(cheaper, "review"))!.Licenses);

        var otherProduct = await reseller.CheckoutAsync(email: "bo@example.com");
        (await reseller.PostIpnAsync(reseller.Sign(AvangateShop.Ipn(otherProduct.OrderNumber, "100000004", "COMPLETE", "49.00", sku: "TEXTMERGE")))).Dispose();
        Assert.Empty((await shop.WaitForStatusAsync(otherProduct, "review"))!.Licenses);
    }

    [Fact]
    public async Task NotificationForAnUnknownOrderIsStoredAndReportedNotLost()
    {
        using var response = await reseller.PostIpnAsync(reseller.Sign(AvangateShop.Ipn("ORD-UNKNOWN00000", "100000005", "COMPLETE", "49.00")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("<sig", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE outcome = 'no matching order'"), n => n == 1, what: "the unmatched event to be recorded");
        // Logged after the commit: it may trail the row by a moment.
        await Eventually.GetAsync(() => Task.FromResult(app.Logs.Lines.Count(l => l.Contains("matches no order", StringComparison.Ordinal))), n => n > 0, what: "the warning about it");
    }

    [Fact]
    public async Task PersonalDataInNotificationsNeverReachesTheDatabaseOrTheLogs()
    {
        var checkout = await reseller.CheckoutAsync(email: "ada@example.com");
        await reseller.PayAsync(checkout);
        await shop.WaitForStatusAsync(checkout, "paid");
        await shop.WaitForMailsAsync(checkout.OrderNumber);

        string[] personal =
        [
            AvangateSandboxShopper.FirstName, AvangateSandboxShopper.LastName, AvangateSandboxShopper.Company, AvangateSandboxShopper.Address1,
            AvangateSandboxShopper.City, AvangateSandboxShopper.Phone, AvangateSandboxShopper.Fax, AvangateSandboxShopper.IpAddress,
            AvangateSandboxShopper.FiscalCode, AvangateSandboxShopper.RegistrationNumber, AvangateSandboxShopper.ZipCode,
        ];
        var database = string.Concat(Directory.GetFiles(app.DataDirectory, "orders.db*").Select(f => Encoding.UTF8.GetString(ReadShared(f))));
        var logs = app.Logs.AllText;
        foreach (var value in personal)
        {
            Assert.DoesNotContain(value, database, StringComparison.Ordinal);
            Assert.DoesNotContain(value, logs, StringComparison.Ordinal);
        }
    }

    private static byte[] ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}

public sealed class AvangateKeyMismatchTests
{
    [Fact]
    public async Task ResellerKeepsRetryingWhileItGetsNoValidReceipt()
    {
        // The service holds a different secret than the reseller signs with: every delivery is refused.
        await using var app = new OrdersApp(settings: new() { ["Avangate:SecretKey"] = "a-different-secret" });
        var shop = new Shop(app);
        var reseller = new AvangateShop(app, shop);
        var checkout = await reseller.CheckoutAsync();
        await reseller.PayAsync(checkout);

        var notifications = await Eventually.GetAsync(reseller.NotificationsAsync,
            n => n.Length > 0 && n.All(x => x.GetProperty("attempts").GetInt32() >= 3), TimeSpan.FromSeconds(40), "repeated attempts");
        Assert.All(notifications, n => Assert.False(n.GetProperty("delivered").GetBoolean()));
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);
    }
}
