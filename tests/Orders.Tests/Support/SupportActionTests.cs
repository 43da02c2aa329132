using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MimeKit;
using Orders.Api.Data;
using Orders.Api.Support;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Support;

public sealed class SupportActionTests : ServiceTest
{
    [Fact]
    public async Task ResendMailsTheLicenseAgainToTheOrdersOwnAddress()
    {
        var order = await shop.PaidOrderAsync(app, email: "ada@example.com");
        using var support = await SupportSession.SupportAsync(app);

        // Whatever else the request carries, the address is the order's own.
        using var response = await support.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/resend", new { to = "attacker@example.org" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("pending", body.GetProperty("status").GetString());
        var mails = await shop.WaitForMailsAsync(order.OrderNumber, 2);
        var resent = await MimeMessage.LoadAsync(Assert.Single(mails, f => f.Contains("-resend-", StringComparison.Ordinal)));
        Assert.Equal("ada@example.com", Assert.Single(resent.To.Mailboxes).Address);
        Assert.Contains("(sent again)", resent.Subject, StringComparison.Ordinal);
        Assert.Contains(order.LicenseKey, resent.TextBody, StringComparison.Ordinal);

        using var admin = await SupportSession.AdminAsync(app);
        var audit = Assert.Single(await admin.AuditAsync(orderNumber: order.OrderNumber, action: AuditActions.Resend));
        Assert.Equal("sam", audit.GetProperty("actor").GetString());
        Assert.Equal($"e-mail #{body.GetProperty("deliveryId").GetInt64()} to the order's address", audit.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AResendQueuesForTheWriteTurnAheadOfTheJobs()
    {
        if (DatabaseUnderTest.Kind != TestDatabaseKind.Sqlite)
        {
            Assert.Skip("The write turn is SQLite's: a database server has its own lock manager.");
        }

        var order = await shop.PaidOrderAsync(app);
        using var support = await SupportSession.SupportAsync(app);

        // A job's transaction holds the turn (a webhook backlog being applied): the resend waits
        // as an interactive writer, which the job makes way for, and goes on when the turn is free.
        var job = await app.Db.WriteTurnAsync(WritePriority.Background, CancellationToken.None);
        var resend = support.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/resend", new { });
        await Eventually.GetAsync(() => Task.FromResult(app.Db.InteractiveWriterWaiting), waiting => waiting);
        Assert.False(resend.IsCompleted);
        job.Dispose();

        using var response = await resend;
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.False(app.Db.InteractiveWriterWaiting);
    }

    [Fact]
    public async Task TheSameResendRequestTwiceIsOneEmail()
    {
        var order = await shop.PaidOrderAsync(app);
        using var support = await SupportSession.SupportAsync(app);

        long[] ids = new long[2];
        for (var i = 0; i < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/support/orders/{order.OrderNumber}/resend") { Content = JsonContent.Create(new { }) };
            request.Headers.Add("Idempotency-Key", "resend-once-7f3a");
            using var response = await support.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids[i] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deliveryId").GetInt64();
        }

        Assert.Equal(ids[0], ids[1]);
        await shop.WaitForMailsAsync(order.OrderNumber, 2);
        await app.WaitUntilIdleAsync();
        Assert.Equal(2, (await shop.WaitForMailsAsync(order.OrderNumber, 2)).Length);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM audit_log WHERE action = 'resend'"));
    }

    [Fact]
    public async Task ResendIsRefusedForAnOrderWithoutAnActiveLicense()
    {
        var pending = await shop.CheckoutAsync();
        using var support = await SupportSession.SupportAsync(app);

        using var response = await support.PostJsonAsync($"/api/support/orders/{pending.OrderNumber}/resend", new { });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));

        using var unknown = await support.PostJsonAsync("/api/support/orders/ORD-NOPE/resend", new { });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task ApiChangesMustBeJson()
    {
        var order = await shop.PaidOrderAsync(app);
        using var support = await SupportSession.SupportAsync(app);

        // What a cross-site form could send: refused before anything happens.
        using var form = await support.Http.PostAsync($"/api/support/orders/{order.OrderNumber}/resend",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["x"] = "1" }));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
    }

    [Fact]
    public async Task AnAdminRevokesALicenseWithAReason()
    {
        var order = await shop.PaidOrderAsync(app);
        using var support = await SupportSession.SupportAsync(app);
        using var admin = await SupportSession.AdminAsync(app);

        using (var refused = await support.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/revoke", new { reason = "key shared online" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var noReason = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/revoke", new { reason = " " }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
            var problem = await noReason.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty("reason", out _));
        }

        using (var revoked = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/revoke", new { reason = "key shared online" }))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
            Assert.Equal(1, (await revoked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("licensesRevoked").GetInt32());
        }

        var customer = await shop.OrderAsync(order.Checkout);
        Assert.Equal("revoked", Assert.Single(customer!.Licenses).Status);
        Assert.Equal("paid", customer.Status);
        var license = Assert.Single((await admin.OrderAsync(order.OrderNumber)).GetProperty("licenses").EnumerateArray());
        Assert.Equal("key shared online", license.GetProperty("revokeReason").GetString());

        using (var again = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/revoke", new { reason = "key shared online" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }

        // A revoked license is not mailed again.
        using (var resend = await support.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/resend", new { }))
        {
            Assert.Equal(HttpStatusCode.Conflict, resend.StatusCode);
        }

        var audit = Assert.Single(await admin.AuditAsync(orderNumber: order.OrderNumber, action: AuditActions.Revoke));
        Assert.Equal("alice", audit.GetProperty("actor").GetString());
        Assert.Equal("1 license(s) revoked: key shared online", audit.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AnAdminRefundEndsTheOrderRefundedAndPayPalsWebhookIsNotASecondRefund()
    {
        var order = await shop.PaidOrderAsync(app);
        using var support = await SupportSession.SupportAsync(app);
        using var admin = await SupportSession.AdminAsync(app);

        using (var refused = await support.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/refund", new { }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var refunded = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/refund", new { reason = "customer bought the wrong edition" }))
        {
            Assert.Equal(HttpStatusCode.OK, refunded.StatusCode);
            var body = await refunded.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("refunded", body.GetProperty("orderStatus").GetString());
            Assert.True(body.GetProperty("completed").GetBoolean());
            Assert.Equal(4900, body.GetProperty("amountMinor").GetInt64());
        }

        var customer = await shop.OrderAsync(order.Checkout);
        Assert.Equal("refunded", customer!.Status);
        Assert.Equal("revoked", Assert.Single(customer.Licenses).Status);

        // The sandbox's PAYMENT.CAPTURE.REFUNDED webhook arrives and is the same refund.
        await Eventually.GetAsync(DeliveredRefundWebhooksAsync, n => n >= 1, what: "PayPal's refund webhook to be delivered");
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL"), n => n == 0, what: "every event processed");
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Refunded'"));

        // Asking again is a clear no, not a second refund.
        using (var again = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/refund", new { }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Equal("The order is already refunded.", (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
        }

        var audit = Assert.Single(await admin.AuditAsync(orderNumber: order.OrderNumber, action: AuditActions.Refund));
        Assert.StartsWith("49.00 USD refunded at PayPal (refund ", audit.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("reason: customer bought the wrong edition", audit.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var timeline = (await admin.OrderAsync(order.OrderNumber)).GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("title").GetString()).ToList();
        Assert.Contains("Staff refunded the order", timeline);
        Assert.Contains("License revoked (line 1)", timeline);
    }

    [Fact]
    public async Task AnOrderThatWasNeverPaidCannotBeRefunded()
    {
        var pending = await shop.CheckoutAsync();
        using var admin = await SupportSession.AdminAsync(app);

        using var response = await admin.PostJsonAsync($"/api/support/orders/{pending.OrderNumber}/refund", new { });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("Nothing was paid for this order (it is pending).", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ARefundPayPalRefusesIsShownAsAConflictAndAudited()
    {
        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);
        // Someone refunded part of it at PayPal directly, and its webhook never arrived: the service
        // asks for the full amount, which PayPal refuses.
        (await shop.Http.PostAsJsonAsync("/sandbox/paypal/_settings", new { dropWebhooks = true })).Dispose();
        var partial = await app.Service<Orders.Api.Payments.PayPal.PayPalClient>().RefundCaptureAsync(order.CaptureId,
            new(new Orders.Api.Payments.PayPal.PayPalMoney("USD", "10.00"), null), "outside-refund", CancellationToken.None);
        Assert.Equal("COMPLETED", partial.Status);

        using var response = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/refund", new { });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.StartsWith("PayPal refused the refund", detail, StringComparison.Ordinal);
        Assert.Single(await admin.AuditAsync(orderNumber: order.OrderNumber, action: AuditActions.RefundRefused));
    }

    [Fact]
    public async Task AfterAPartialRefundAtPayPalTheConsoleRefundsWhatIsLeft()
    {
        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);
        var partial = await app.Service<Orders.Api.Payments.PayPal.PayPalClient>().RefundCaptureAsync(order.CaptureId,
            new(new Orders.Api.Payments.PayPal.PayPalMoney("USD", "10.00"), null), "outside-refund-2", CancellationToken.None);
        Assert.Equal("COMPLETED", partial.Status);
        // PayPal's refund webhook tells the service about it; the license stays.
        await Eventually.GetAsync(() => admin.OrderAsync(order.OrderNumber), o => o.GetProperty("refundedMinor").GetInt64() == 1000, what: "the partial refund's webhook");
        Assert.Equal("paid", (await admin.OrderAsync(order.OrderNumber)).GetProperty("status").GetString());

        var confirm = await admin.PageAsync($"/support/orders/{order.OrderNumber}/refund");
        Assert.Contains("Refund 39.00 USD", confirm, StringComparison.Ordinal);
        Assert.Contains("10.00 USD of 49.00 USD was refunded already", confirm, StringComparison.Ordinal);

        using var response = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/refund", new { reason = "the rest, as agreed" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var refund = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3900, refund.GetProperty("amountMinor").GetInt64());
        Assert.Equal("refunded", refund.GetProperty("orderStatus").GetString());
        Assert.Equal("revoked", (await admin.OrderAsync(order.OrderNumber)).GetProperty("licenses")[0].GetProperty("status").GetString());

        // Nothing is left to refund.
        using var again = await admin.PostJsonAsync($"/api/support/orders/{order.OrderNumber}/refund", new { });
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task ThePagesConfirmBeforeRevokingOrRefundingAndReportTheOutcome()
    {
        var first = await shop.PaidOrderAsync(app);
        var second = await shop.PaidOrderAsync(app, email: "grace@example.net", licenseeName: "Grace Hopper");
        using var admin = await SupportSession.AdminAsync(app);

        var orderPage = await admin.PageAsync($"/support/orders/{first.OrderNumber}");
        Assert.Contains($"href=\"/support/orders/{first.OrderNumber}/revoke\"", orderPage, StringComparison.Ordinal);
        Assert.Contains($"href=\"/support/orders/{first.OrderNumber}/refund\"", orderPage, StringComparison.Ordinal);

        var confirm = await admin.PageAsync($"/support/orders/{first.OrderNumber}/refund");
        Assert.Contains("Refund 49.00 USD", confirm, StringComparison.Ordinal);
        Assert.Contains(first.CaptureId, confirm, StringComparison.Ordinal);
        using (var refund = await admin.PostFormAsync($"/support/orders/{first.OrderNumber}/refund", $"/support/orders/{first.OrderNumber}/refund", []))
        {
            Assert.Equal(HttpStatusCode.SeeOther, refund.StatusCode);
            Assert.Equal($"/support/orders/{first.OrderNumber}?notice=refunded", refund.Headers.Location!.OriginalString);
        }

        var refunded = await admin.PageAsync($"/support/orders/{first.OrderNumber}?notice=refunded");
        Assert.Contains("Refunded through PayPal.", refunded, StringComparison.Ordinal);
        Assert.Contains("badge s-refunded", refunded, StringComparison.Ordinal);

        using (var noReason = await admin.PostFormAsync($"/support/orders/{second.OrderNumber}/revoke", $"/support/orders/{second.OrderNumber}/revoke", new() { ["reason"] = "" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
            Assert.Contains("Say why", await noReason.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var revoke = await admin.PostFormAsync($"/support/orders/{second.OrderNumber}/revoke", $"/support/orders/{second.OrderNumber}/revoke", new() { ["reason"] = "chargeback announced" }))
        {
            Assert.Equal(HttpStatusCode.SeeOther, revoke.StatusCode);
        }

        Assert.Equal("revoked", (await shop.OrderAsync(second.Checkout))!.Licenses[0].Status);

        // A refunded order has no license left to resend.
        var page = await admin.PageAsync($"/support/orders/{first.OrderNumber}");
        Assert.DoesNotContain($"<form method=\"post\" action=\"/support/orders/{first.OrderNumber}/resend\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ActionFormsWithoutAnAntiforgeryTokenChangeNothing()
    {
        var order = await shop.PaidOrderAsync(app);
        using var admin = await SupportSession.AdminAsync(app);

        foreach (var action in new[] { "resend", "revoke", "refund" })
        {
            using var response = await admin.Http.PostAsync($"/support/orders/{order.OrderNumber}/{action}",
                new FormUrlEncodedContent(new Dictionary<string, string> { ["reason"] = "forged from another site" }));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
        Assert.Equal("paid", (await shop.OrderAsync(order.Checkout))!.Status);
        Assert.Equal("active", (await shop.OrderAsync(order.Checkout))!.Licenses[0].Status);
    }

    [Fact]
    public async Task TheResendButtonSendsOnceEvenIfTheFormIsSubmittedTwice()
    {
        var order = await shop.PaidOrderAsync(app);
        using var support = await SupportSession.SupportAsync(app);
        var fields = new Dictionary<string, string> { ["requestId"] = Guid.NewGuid().ToString("N") };

        for (var i = 0; i < 2; i++)
        {
            using var response = await support.PostFormAsync($"/support/orders/{order.OrderNumber}", $"/support/orders/{order.OrderNumber}/resend", fields);
            Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
            Assert.Equal($"/support/orders/{order.OrderNumber}?notice=resent", response.Headers.Location!.OriginalString);
        }

        await shop.WaitForMailsAsync(order.OrderNumber, 2);
        Assert.Equal(2, await shop.CountAsync("SELECT COUNT(*) FROM deliveries"));
    }

    private async Task<int> DeliveredRefundWebhooksAsync()
    {
        var deliveries = await shop.Http.GetFromJsonAsync<JsonElement[]>("/sandbox/paypal/_webhooks");
        return deliveries!.Count(d => d.GetProperty("eventType").GetString() == "PAYMENT.CAPTURE.REFUNDED" && d.GetProperty("delivered").GetBoolean());
    }
}
