using System.Net;
using System.Text;
using System.Text.Json;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Webhooks;

public sealed class PayPalWebhookTests : ServiceTest
{
    [Fact]
    public async Task SameWebhookDeliveredThreeTimesConcurrentlyIssuesOneLicense()
    {
        var checkout = await shop.CheckoutAsync();
        await shop.SetPayPalSandboxAsync(new { dropWebhooks = true });
        await shop.ApproveAsync(checkout);
        var captureId = await shop.CaptureAtPayPalAsync(checkout);
        var body = Encoding.UTF8.GetBytes(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, captureId, "49.00").ToJsonString());

        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => shop.PostSignedWebhookAsync(body)));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        var order = await shop.WaitForStatusAsync(checkout, "paid");
        await shop.WaitForMailsAsync(checkout.OrderNumber);
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL"), n => n == 0);
        Assert.Single(order!.Licenses);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Notified'"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Paid'"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
        Assert.Single(await shop.WaitForMailsAsync(checkout.OrderNumber));
    }

    [Fact]
    public async Task ARepeatOfAStoredEventIsAcknowledgedAsADuplicateOnlyWhenItsSignatureHolds()
    {
        var checkout = await shop.CheckoutAsync();
        var body = Encoding.UTF8.GetBytes(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, "CAPTURE00000000009", "49.00").ToJsonString());

        var first = await (await shop.PostSignedWebhookAsync(body)).ReadAsync<JsonElement>();
        var repeat = await (await shop.PostSignedWebhookAsync(body)).ReadAsync<JsonElement>();
        var forgedHeaders = new Dictionary<string, string>(shop.Sign(body)) { ["PAYPAL-TRANSMISSION-SIG"] = Convert.ToBase64String(new byte[256]) };
        using var forged = await shop.PostWebhookAsync(body, forgedHeaders);

        Assert.False(first.GetProperty("duplicate").GetBoolean());
        Assert.True(repeat.GetProperty("duplicate").GetBoolean());
        Assert.Equal(first.GetProperty("inboxId").GetInt64(), repeat.GetProperty("inboxId").GetInt64());
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
    }

    [Fact]
    public async Task WebhookWithForgedSignatureIsRejectedAndStoresNothing()
    {
        var checkout = await shop.CheckoutAsync();
        var body = Encoding.UTF8.GetBytes(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, "CAPTURE00000000002", "49.00").ToJsonString());
        var headers = new Dictionary<string, string>(shop.Sign(body))
        {
            ["PAYPAL-TRANSMISSION-SIG"] = Convert.ToBase64String(new byte[256]),
        };

        using var response = await shop.PostWebhookAsync(body, headers);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        await AssertNothingStoredAsync(checkout);
    }

    [Fact]
    public async Task WebhookWithTamperedBodyIsRejectedAndStoresNothing()
    {
        var checkout = await shop.CheckoutAsync();
        var body = Encoding.UTF8.GetBytes(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, "CAPTURE00000000003", "1.00").ToJsonString());
        var headers = shop.Sign(body);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("\"1.00\"", "\"49.00\"", StringComparison.Ordinal));

        using var response = await shop.PostWebhookAsync(tampered, headers);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertNothingStoredAsync(checkout);
    }

    [Fact]
    public async Task WebhookSignedWithACertificateFromAForeignHostIsRejected()
    {
        var checkout = await shop.CheckoutAsync();
        var body = Encoding.UTF8.GetBytes(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, "CAPTURE00000000004", "49.00").ToJsonString());
        foreach (var foreign in new[] { "https://evil.example.com/v1/notifications/certs/CERT-1", "https://paypal.com.evil.example/cert", "http://api.paypal.com/v1/notifications/certs/CERT-1", "http://127.0.0.2:1/cert" })
        {
            var headers = new Dictionary<string, string>(shop.Sign(body)) { ["PAYPAL-CERT-URL"] = foreign };
            using var response = await shop.PostWebhookAsync(body, headers);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        await AssertNothingStoredAsync(checkout);
    }

    [Fact]
    public async Task WebhookWithoutSignatureHeadersOrWithBrokenJsonGets400()
    {
        var checkout = await shop.CheckoutAsync();
        using var unsigned = await shop.PostWebhookAsync("{}"u8.ToArray(), new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);

        var broken = "{\"id\": \"WH-1\", \"event_type\": "u8.ToArray();
        using var unparseable = await shop.PostSignedWebhookAsync(broken);
        Assert.Equal(HttpStatusCode.BadRequest, unparseable.StatusCode);
        await AssertNothingStoredAsync(checkout);
    }

    [Fact]
    public async Task ReplayedWebhookFromLongAgoIsRefused()
    {
        var checkout = await shop.CheckoutAsync();
        var body = Encoding.UTF8.GetBytes(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, "CAPTURE0000000OLD1", "49.00").ToJsonString());
        var headers = shop.Sign(body);

        // The same signed delivery, presented ten days later.
        app.Clock.Advance(TimeSpan.FromDays(10));
        using var response = await shop.PostWebhookAsync(body, headers);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertNothingStoredAsync(checkout);
    }

    [Fact]
    public async Task OversizedWebhookGets413()
    {
        var body = new byte[300 * 1024];
        Array.Fill(body, (byte)' ');
        using var response = await shop.PostSignedWebhookAsync(body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
    }

    // A capture of another PayPal order (created at PayPal outside this service) that claims this
    // order's number in its custom_id: PayPal confirms the capture, but it belongs to another order.
    [Fact]
    public async Task ACaptureOfAnotherPayPalOrderThatNamesThisOrderChangesNothing()
    {
        var checkout = await shop.CheckoutAsync(); // 49.00 USD
        var other = await shop.PayPalApiAsync(HttpMethod.Post, "/v2/checkout/orders", new
        {
            intent = "CAPTURE",
            purchase_units = new[] { new { custom_id = checkout.OrderNumber, amount = new { currency_code = "USD", value = "4.90" } } },
        }, "other-" + Guid.NewGuid().ToString("N"));
        var otherId = other.GetProperty("id").GetString()!;
        await shop.SetPayPalSandboxAsync(new { dropWebhooks = true });
        (await shop.Http.PostAsync($"/sandbox/paypal/orders/{otherId}/approve", null)).Dispose();
        var captured = await shop.PayPalApiAsync(HttpMethod.Post, $"/v2/checkout/orders/{otherId}/capture", new { }, "capture-" + otherId);
        var captureId = captured.GetProperty("purchase_units")[0].GetProperty("payments").GetProperty("captures")[0].GetProperty("id").GetString()!;

        using var response = await shop.PostSignedWebhookAsync(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, captureId, "49.00"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL"), n => n == 0);
        var order = await shop.OrderAsync(checkout);
        Assert.Equal("pending", order!.Status);
        Assert.Empty(order.Licenses);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Paid' AND outcome LIKE '%names another provider order%'"));
    }

    [Fact]
    public async Task RefundThatArrivesBeforeTheCompletionStillEndsRefundedWithoutAnActiveLicense()
    {
        var checkout = await shop.CheckoutAsync();
        await shop.SetPayPalSandboxAsync(new { dropWebhooks = true });
        await shop.ApproveAsync(checkout);
        var captureId = await shop.CaptureAtPayPalAsync(checkout);
        var refundId = await shop.RefundAtPayPalAsync(captureId, "49.00");

        (await shop.PostSignedWebhookAsync(PayPalEventsFactory.RefundEvent(checkout.OrderNumber, captureId, refundId, "49.00"))).Dispose();
        await shop.WaitForStatusAsync(checkout, "refunded");

        using var completed = await shop.PostSignedWebhookAsync(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", checkout.OrderNumber, checkout.PayPalOrderId, captureId, "49.00"));
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL"), n => n == 0);

        var order = await shop.OrderAsync(checkout);
        Assert.Equal("refunded", order!.Status);
        Assert.DoesNotContain(order.Licenses, l => l.Status == "active");
        // No key goes out; the customer is told about the refund once.
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind IN ('license', 'resend') AND status IN ('pending', 'sending', 'sent')"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind = 'refund'"));
    }

    [Fact]
    public async Task PendingCaptureDoesNotDeliverUntilItCompletes()
    {
        var checkout = await shop.CheckoutAsync();
        await shop.ApproveAsync(checkout, captureStatus: "PENDING"); // the APPROVED notification makes the service capture
        await Eventually.GetAsync(
            () => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Pending' AND processed_at IS NOT NULL"), n => n == 1);
        var pending = await shop.OrderAsync(checkout);
        Assert.Equal("pending", pending!.Status);
        Assert.Empty(pending.Licenses);

        var transactionRef = await Eventually.GetAsync(async () =>
        {
            await using var connection = await app.Db.OpenAsync(CancellationToken.None);
            return await Dapper.SqlMapper.ExecuteScalarAsync<string?>(connection, "SELECT provider_transaction_ref FROM orders WHERE order_number = @n", new { n = checkout.OrderNumber });
        }, r => r is not null);
        (await shop.Http.PostAsync($"/sandbox/paypal/captures/{transactionRef}/complete", null)).Dispose();
        var paid = await shop.WaitForStatusAsync(checkout, "paid");
        Assert.Single(paid!.Licenses);
    }

    private async Task AssertNothingStoredAsync(CheckoutDto checkout)
    {
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);
    }
}
