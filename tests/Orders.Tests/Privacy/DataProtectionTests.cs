using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Privacy;

public sealed partial class DataProtectionTests : ServiceTest
{
    private const string CardNumber = "4111111111111111";

    [Fact]
    public async Task CardNumberInAWebhooksExtraFieldsNeverReachesTheDatabaseFile()
    {
        var checkout = await shop.CheckoutAsync();
        var captureId = await shop.PaidAtPayPalSilentlyAsync(checkout);
        var paypalEvent = PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, captureId, "49.00");
        paypalEvent["resource"]!["note_to_payer"] = $"card {CardNumber}";
        paypalEvent["resource"]!["payment_source"] = new JsonObject { ["card"] = new JsonObject { ["number"] = CardNumber } };
        using var response = await shop.PostSignedWebhookAsync(paypalEvent);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await shop.WaitForStatusAsync(checkout, "paid");
        await shop.WaitForMailsAsync(checkout.OrderNumber);

        foreach (var file in Directory.GetFiles(app.DataDirectory, "orders.db*"))
        {
            var bytes = await ReadSharedAsync(file);
            Assert.DoesNotContain(CardNumber, Encoding.Latin1.GetString(bytes), StringComparison.Ordinal);
        }

        Assert.DoesNotContain(CardNumber, app.Logs.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LogsNeverContainCustomerEmailAddressesOrCardNumbers()
    {
        var checkout = await shop.CheckoutAsync(email: "grace.hopper@example.net", licenseeName: "Grace Hopper");
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        await shop.WaitForMailsAsync(checkout.OrderNumber);
        (await shop.PostCheckoutAsync(new { sku = "PHOTOSHRINK-PRO", quantity = 1, email = "x@example.com", licenseeName = "5555 5555 5555 4444", provider = "paypal" })).Dispose();

        var logs = app.Logs.AllText;
        Assert.NotEmpty(app.Logs.Lines);
        Assert.DoesNotContain("grace.hopper@example.net", logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("buyer@sandbox.example", logs, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(EmailPattern(), logs.Replace("orders@localhost", "", StringComparison.Ordinal));
        Assert.DoesNotContain("5555555555554444", logs.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain(checkout.Token, logs, StringComparison.Ordinal);
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")]
    private static partial Regex EmailPattern();
}
