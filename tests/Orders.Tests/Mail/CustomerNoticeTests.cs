using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MimeKit;
using Orders.Tests.Infrastructure;
using Orders.Tests.Support;

namespace Orders.Tests.Mail;

// The customer hears about what happens to a paid order: one e-mail per refund, reversal and staff
// revocation (none for an erasure), and the status page says it in the same plain words.
public sealed class CustomerNoticeTests() : ServiceTest(new() { ["Catalog:Products:0:Name"] = ProductName })
{
    // A product name outside ASCII: the text part must say how it is encoded.
    private const string ProductName = "PhotoShrink Pro – Édition complète";

    [Fact]
    public async Task ARefundThroughTheSupportConsoleSendsExactlyOneRefundEmail()
    {
        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);

        using (var refund = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/refund", new { reason = "wrong edition" }))
        {
            Assert.Equal(HttpStatusCode.OK, refund.StatusCode);
        }

        var mail = await NoticeAsync(order.OrderNumber, "refund");
        Assert.Equal("ada@example.com", Assert.Single(mail.To.Mailboxes).Address);
        Assert.Equal($"Refund of 49.00 USD for order {order.OrderNumber}", mail.Subject);
        var text = mail.TextBody;
        Assert.Contains($"We have refunded 49.00 USD for your order {order.OrderNumber} ({ProductName}).", text, StringComparison.Ordinal);
        Assert.Contains("The order is now fully refunded (49.00 USD).", text, StringComparison.Ordinal);
        Assert.Contains("The license key of this order no longer works", text, StringComparison.Ordinal);
        Assert.Contains($"/orders/{order.OrderNumber}?token={Uri.EscapeDataString(order.Checkout.Token)}", text, StringComparison.Ordinal);
        Assert.DoesNotContain(order.LicenseKey, text, StringComparison.Ordinal);
        AssertSevenBitSafe(mail);

        // PayPal's own refund webhook follows: the same refund, no second e-mail.
        await Eventually.GetAsync(async () => (await shop.Http.GetFromJsonAsync<JsonElement[]>("/sandbox/paypal/_webhooks"))!
                .Count(d => d.GetProperty("eventType").GetString() == "PAYMENT.CAPTURE.REFUNDED" && d.GetProperty("delivered").GetBoolean()),
            n => n >= 1, what: "PayPal's refund webhook to be delivered");
        await IdleAsync();
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind = 'refund'"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind = 'refund' AND status = 'sent'"));
    }

    [Fact]
    public async Task AProviderRefundEventSendsOneRefundEmailAndARepeatedEventSendsNothingMore()
    {
        var order = await shop.PaidOrderAsync(app);
        var refundId = await shop.RefundAtPayPalAsync(order.CaptureId, "10.00");

        var mail = await NoticeAsync(order.OrderNumber, "refund");
        Assert.Equal($"Refund of 10.00 USD for order {order.OrderNumber}", mail.Subject);
        Assert.Contains("This is a partial refund: 10.00 USD of the 49.00 USD you paid has been refunded so far.", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("Your license key keeps working.", mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(order.LicenseKey, mail.TextBody, StringComparison.Ordinal);
        AssertSevenBitSafe(mail);

        // The same refund notified again (PayPal retries, a second event id): applied, no e-mail.
        await IdleAsync();
        using (var again = await shop.PostSignedWebhookAsync(PayPalEventsFactory.RefundEvent(order.OrderNumber, order.CaptureId, refundId, "10.00")))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        await IdleAsync();
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind = 'refund'"));
        Assert.Single(Directory.GetFiles(app.OutboxDirectory, $"*-refund-{order.OrderNumber}.eml"));

        // The status page says it was partly refunded and still shows the working key.
        var page = await PageAsync(order);
        Assert.Contains("Part of your payment was refunded: $10.00 of $49.00.", page, StringComparison.Ordinal);
        Assert.Contains("Your license key keeps working.", page, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(order.LicenseKey), page, StringComparison.Ordinal);
        var view = await shop.Http.GetFromJsonAsync<JsonElement>(order.Checkout.StatusUrl.Replace("/orders/", "/api/orders/", StringComparison.Ordinal));
        Assert.Equal("Your payment is confirmed. Part of your payment was refunded: $10.00 of $49.00. Your license key keeps working.", view.GetProperty("summary").GetString());
        Assert.Equal(1000, view.GetProperty("refundedMinor").GetInt64());
        Assert.Equal("paid", view.GetProperty("status").GetString());
    }

    [Fact]
    public async Task AFullRefundIsToldOnTheStatusPageWithoutTheRevokedKey()
    {
        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);
        (await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/refund", new { })).Dispose();

        var page = await PageAsync(order);
        Assert.Contains("This order was fully refunded ($49.00). Its license key no longer works.", page, StringComparison.Ordinal);
        Assert.DoesNotContain("Thank you", page, StringComparison.Ordinal);
        Assert.DoesNotContain(WebUtility.HtmlEncode(order.LicenseKey), page, StringComparison.Ordinal);
        Assert.Contains("revoked — the key no longer works", page, StringComparison.Ordinal);

        var view = await shop.Http.GetFromJsonAsync<JsonElement>(order.Checkout.StatusUrl.Replace("/orders/", "/api/orders/", StringComparison.Ordinal));
        Assert.Equal("This order was fully refunded ($49.00). Its license key no longer works.", view.GetProperty("summary").GetString());
        Assert.Equal(4900, view.GetProperty("refundedMinor").GetInt64());
        // Existing fields keep their shape.
        Assert.Equal("revoked", view.GetProperty("licenses")[0].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.String, view.GetProperty("licenses")[0].GetProperty("key").ValueKind);
    }

    [Fact]
    public async Task AStaffRevocationSendsOneEmailAndThePageNoLongerThanksForAUsableKey()
    {
        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);

        using (var revoke = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/revoke", new { reason = "key shared online" }))
        {
            Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        }

        var mail = await NoticeAsync(order.OrderNumber, "revocation");
        Assert.Equal($"Your {ProductName} license was revoked (order {order.OrderNumber})", mail.Subject);
        Assert.Contains("Our support team has revoked the license of your order", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("The license key no longer works.", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("This does not refund the payment", mail.TextBody, StringComparison.Ordinal);
        // Staff's reason is internal; the key is never mailed once revoked.
        Assert.DoesNotContain("key shared online", mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(order.LicenseKey, mail.TextBody, StringComparison.Ordinal);
        AssertSevenBitSafe(mail);

        var page = await PageAsync(order);
        Assert.DoesNotContain("Thank you! Your payment is confirmed", page, StringComparison.Ordinal);
        Assert.Contains("our support team revoked this order&#x27;s license: its key no longer works.", page, StringComparison.Ordinal);
        Assert.DoesNotContain(WebUtility.HtmlEncode(order.LicenseKey), page, StringComparison.Ordinal);
        Assert.Contains("revoked — the key no longer works", page, StringComparison.Ordinal);

        await IdleAsync();
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind = 'revocation'"));
    }

    [Fact]
    public async Task AReversalSendsOneEmailSayingTheKeyNoLongerWorks()
    {
        var order = await shop.PaidOrderAsync(app);

        using (var reverse = await shop.Http.PostAsync($"/sandbox/paypal/captures/{order.CaptureId}/reverse", null))
        {
            Assert.True(reverse.IsSuccessStatusCode);
        }

        var mail = await NoticeAsync(order.OrderNumber, "reversal");
        Assert.Equal($"Payment reversed for order {order.OrderNumber}", mail.Subject);
        Assert.Contains("was reversed", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("The license key of this order no longer works", mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain(order.LicenseKey, mail.TextBody, StringComparison.Ordinal);

        var page = await PageAsync(order);
        Assert.Contains("The payment for this order was reversed", page, StringComparison.Ordinal);
        Assert.DoesNotContain(WebUtility.HtmlEncode(order.LicenseKey), page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnErasureSendsTheCustomerNoEmail()
    {
        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);

        using (var erase = await admin.PostJsonAsync("/api/support/customers/erase", new { email = "ada@example.com" }))
        {
            Assert.Equal(HttpStatusCode.OK, erase.StatusCode);
        }

        await IdleAsync();
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind <> 'license'"));
        Assert.Empty(Directory.GetFiles(app.OutboxDirectory, $"*{order.OrderNumber}*.eml"));
    }

    private async Task<MimeMessage> NoticeAsync(string orderNumber, string kind)
    {
        var files = await Eventually.GetAsync(
            () => Task.FromResult(Directory.GetFiles(app.OutboxDirectory, $"*-{kind}-{orderNumber}.eml")),
            f => f.Length >= 1, what: $"a {kind} e-mail for {orderNumber}");
        return await MimeMessage.LoadAsync(Assert.Single(files));
    }

    // Every text part declares an encoding a 7-bit relay carries unchanged.
    private static void AssertSevenBitSafe(MimeMessage mail)
    {
        var part = Assert.IsType<TextPart>(mail.Body);
        Assert.True(part.IsPlain);
        Assert.Equal("utf-8", part.ContentType.Charset, ignoreCase: true);
        Assert.Contains(part.ContentTransferEncoding, new[] { ContentEncoding.QuotedPrintable, ContentEncoding.Base64 });
    }

    private async Task<string> PageAsync(PaidOrder order)
    {
        using var response = await shop.Http.GetAsync(order.Checkout.StatusUrl);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    // Nothing left to do: every provider event processed, every e-mail sent or ended.
    private async Task IdleAsync()
    {
        await Eventually.GetAsync(() => shop.CountAsync("""
            SELECT (SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL)
                 + (SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'sending'))
            """), n => n == 0, what: "the service to be idle");
    }
}
