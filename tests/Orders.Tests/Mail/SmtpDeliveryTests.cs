using Orders.Tests.Infrastructure;

namespace Orders.Tests.Mail;

public sealed class SmtpDeliveryTests
{
    private static Dictionary<string, string?> SmtpSettings(LoopbackSmtpServer smtp) => new()
    {
        ["Mail:Mode"] = "Smtp",
        ["Mail:Host"] = "127.0.0.1",
        ["Mail:Port"] = smtp.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Mail:Tls"] = "None",
        ["Mail:From"] = "Orders <licenses@vendor.example>",
        ["Mail:RetryBaseDelay"] = "00:00:01",
        ["Mail:Timeout"] = "00:00:05",
    };

    [Fact]
    public async Task LicenseMailIsSentOverSmtpWithTextAndHtmlParts()
    {
        await using var smtp = new LoopbackSmtpServer();
        smtp.Start();
        await using var app = new OrdersApp(settings: SmtpSettings(smtp));
        var shop = new Shop(app);

        var checkout = await shop.CheckoutAsync(email: "ada@example.com", licenseeName: "Ada Lovelace");
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        var order = await shop.WaitForStatusAsync(checkout, "paid");

        var message = (await Eventually.GetAsync(() => Task.FromResult(smtp.Messages.ToList()), m => m.Count == 1, what: "one SMTP message"))[0];
        Assert.Equal("ada@example.com", message.To.Mailboxes.Single().Address);
        Assert.Equal("licenses@vendor.example", message.From.Mailboxes.Single().Address);
        Assert.Contains(checkout.OrderNumber, message.Subject, StringComparison.Ordinal);
        Assert.Contains(order!.Licenses[0].Key, message.TextBody, StringComparison.Ordinal);
        Assert.Contains(order.Licenses[0].Key, message.HtmlBody, StringComparison.Ordinal);
        Assert.Contains(checkout.StatusUrl.Replace("&", "&amp;", StringComparison.Ordinal), message.HtmlBody, StringComparison.Ordinal);
        Assert.False(Directory.Exists(app.OutboxDirectory) && Directory.GetFiles(app.OutboxDirectory).Length > 0);
    }

    [Fact]
    public async Task DeliveriesWaitWhileSmtpIsDownAndAreSentOnceWhenItReturns()
    {
        await using var smtp = new LoopbackSmtpServer(); // not started: connection refused
        await using var app = new OrdersApp(settings: SmtpSettings(smtp));
        var shop = new Shop(app);

        var checkout = await shop.CheckoutAsync();
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        await shop.WaitForStatusAsync(checkout, "paid");
        await Eventually.GetAsync(() => shop.CountAsync("SELECT attempts FROM deliveries WHERE status = 'pending'"), n => n >= 2, what: "failed attempts to be recorded");

        smtp.Start();
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), n => n == 1, TimeSpan.FromSeconds(60), "the delivery to be sent");
        await app.WaitUntilIdleAsync();
        Assert.Single(smtp.Messages);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
    }
}
