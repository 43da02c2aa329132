using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orders.Api.PaymentEvents;
using Orders.Api.Privacy;
using Orders.Tests.Infrastructure;
using Orders.Tests.Support;

namespace Orders.Tests.Privacy;

// An erasure asked for while an order of that address waits for its payment erases what it can at
// once and the waiting orders as soon as they end, so unpaid checkouts cannot hold it off.
public sealed class ErasureOfPendingOrdersTests : ServiceTest
{
    [Fact]
    public async Task UnpaidCheckoutsWithTheAddressDoNotBlockItsErasureAndAreErasedWhenTheyExpire()
    {
        var paid = await shop.PaidOrderAsync(app, email: "victim@example.com", licenseeName: "Vic Tim");
        // Someone else starts checkouts with the customer's address and never pays.
        var unpaid = await shop.CheckoutAsync(email: "Victim@Example.com", licenseeName: "Not Vic");
        using var admin = await SupportSession.AdminAsync(app);

        using var response = await admin.PostJsonAsync("/api/support/customers/erase", new { email = "victim@example.com" });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var summary = await response.ReadAsync<JsonElement>();
        Assert.Equal(1, summary.GetProperty("ordersErased").GetInt32());
        Assert.Equal([paid.OrderNumber], summary.GetProperty("orderNumbers").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(1, summary.GetProperty("ordersErasedWhenTheyEnd").GetInt32());
        Assert.Equal([unpaid.OrderNumber], summary.GetProperty("orderNumbersErasedWhenTheyEnd").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE order_number = @Number AND email = '[erased]'", new { Number = paid.OrderNumber }));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE order_number = @Number AND status = 'pending' AND erase_requested_at IS NOT NULL", new { Number = unpaid.OrderNumber }));

        // Not ended yet: the job leaves it alone.
        Assert.Equal(0, await RunAsync(job => job.EraseEndedOrdersAsync(CancellationToken.None)));

        // The hourly expiry, then the erasure of ended orders five minutes later.
        app.Clock.Advance(TimeSpan.FromHours(73));
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<ExpiryAndRetentionJob>().RunAsync(CancellationToken.None);
        }

        Assert.Equal(1, await RunAsync(job => job.EraseEndedOrdersAsync(CancellationToken.None)));

        Assert.Equal("expired", (await shop.OrderAsync(unpaid))!.Status);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE email_lower = 'victim@example.com' OR licensee_name = 'Not Vic'"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE order_number = @Number AND erased_at IS NOT NULL", new { Number = unpaid.OrderNumber }));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM audit_log WHERE action = 'customer-erased' AND actor = 'system (erasure request)' AND order_number = @Number", new { Number = unpaid.OrderNumber }));
    }

    [Fact]
    public async Task AnOrderPaidAfterTheErasureRequestDeliversItsLicenseAndIsThenErased()
    {
        var checkout = await shop.CheckoutAsync(email: "buyer@example.com", licenseeName: "Bea Buyer");
        using var admin = await SupportSession.AdminAsync(app);
        using (var response = await admin.PostJsonAsync("/api/support/customers/erase", new { email = "buyer@example.com" }))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        // The customer was already on PayPal's page and pays: what they paid for reaches them.
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        Assert.Single((await shop.WaitForStatusAsync(checkout, "paid"))!.Licenses);
        var mail = Assert.Single(await shop.WaitForMailsAsync(checkout.OrderNumber));
        Assert.Contains("buyer@example.com", await File.ReadAllTextAsync(mail), StringComparison.Ordinal);
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), n => n == 1, what: "the license e-mail to be marked sent");

        Assert.Equal(1, await RunAsync(job => job.EraseEndedOrdersAsync(CancellationToken.None)));

        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE email_lower = 'buyer@example.com' OR licensee_name = 'Bea Buyer'"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM licenses WHERE license_key = '[erased]' AND status = 'active'"));
        Assert.False(File.Exists(mail), "the pickup copy of the e-mail should be gone with the erasure");
        var status = await shop.OrderAsync(checkout);
        Assert.Equal("paid", status!.Status);
        Assert.Equal(0, await RunAsync(job => job.EraseEndedOrdersAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task TheConsoleSaysHowManyOrdersAreErasedWhenTheyEnd()
    {
        await shop.PaidOrderAsync(app, email: "eve@example.com", licenseeName: "Eve");
        await shop.CheckoutAsync(email: "eve@example.com", licenseeName: "Eve");
        await shop.CheckoutAsync(email: "eve@example.com", licenseeName: "Eve");
        using var admin = await SupportSession.AdminAsync(app);

        using var confirmed = await admin.PostFormAsync("/support/customers/erase?email=eve%40example.com", "/support/customers/erase",
            new() { ["email"] = "eve@example.com", ["confirm"] = "eve@example.com" });

        Assert.Equal(HttpStatusCode.SeeOther, confirmed.StatusCode);
        Assert.Equal("/support/customers?erased=1&later=2", confirmed.Headers.Location?.OriginalString);
        var page = await admin.PageAsync(confirmed.Headers.Location!.OriginalString);
        Assert.Contains("2 order(s) still waiting for their payment are erased as soon as each ends", page, StringComparison.Ordinal);
    }

    private async Task<int> RunAsync(Func<EndedOrderErasureJob, Task<int>> run)
    {
        using var scope = app.Services.CreateScope();
        return await run(scope.ServiceProvider.GetRequiredService<EndedOrderErasureJob>());
    }
}
