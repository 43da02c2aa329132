using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Orders.Api.PaymentEvents;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Recovery;

public sealed class MaintenanceTests : ServiceTest
{
    [Fact]
    public async Task OrderPaidAtThePayPalButNeverNotifiedEndsPaidThroughReconciliation()
    {
        (await shop.Http.PostAsJsonAsync("/sandbox/paypal/_settings", new { dropWebhooks = true })).Dispose();
        var checkout = await shop.CheckoutAsync();
        await shop.ApproveAsync(checkout); // the APPROVED webhook is dropped and the buyer never comes back

        await app.WaitUntilIdleAsync();
        Assert.Equal("pending", (await shop.OrderAsync(checkout))!.Status);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox"));

        // Too young to ask about yet.
        Assert.Equal(0, await RunAsync<ReconciliationJob, int>(job => job.ReconcileAsync(CancellationToken.None)));

        app.Clock.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal(1, await RunAsync<ReconciliationJob, int>(job => job.ReconcileAsync(CancellationToken.None)));

        var order = await shop.WaitForStatusAsync(checkout, "paid");
        Assert.Single(order!.Licenses);
        Assert.Single(await shop.WaitForMailsAsync(checkout.OrderNumber));

        // Asking again changes nothing.
        Assert.Equal(0, await RunAsync<ReconciliationJob, int>(job => job.ReconcileAsync(CancellationToken.None)));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM licenses"));
    }

    [Fact]
    public async Task UnpaidOrdersExpireAndAreDeletedAfterTheRetentionPeriod()
    {
        var abandoned = await shop.CheckoutAsync(email: "gone@example.com");
        var paid = await shop.CheckoutAsync(email: "kept@example.com");
        var returnUrl = await shop.ApproveAsync(paid);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        await shop.WaitForStatusAsync(paid, "paid");

        app.Clock.Advance(TimeSpan.FromHours(73));
        Assert.Equal(1, await RunAsync<ExpiryAndRetentionJob, int>(job => job.ExpireAsync(CancellationToken.None)));
        Assert.Equal("expired", (await shop.OrderAsync(abandoned))!.Status);
        Assert.Equal("paid", (await shop.OrderAsync(paid))!.Status);

        // Not yet: the retention period counts from when the order ended.
        var early = await RunAsync<ExpiryAndRetentionJob, (int Orders, int Events)>(job => job.RetainAsync(CancellationToken.None));
        Assert.Equal(0, early.Orders);

        app.Clock.Advance(TimeSpan.FromDays(31));
        var retained = await RunAsync<ExpiryAndRetentionJob, (int Orders, int Events)>(job => job.RetainAsync(CancellationToken.None));
        Assert.Equal(1, retained.Orders);
        Assert.Null(await shop.OrderAsync(abandoned));
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE email = 'gone@example.com'"));
        Assert.Equal("paid", (await shop.OrderAsync(paid))!.Status);
    }

    [Fact]
    public async Task OldProcessedEventsAreDeletedButRefundsOfPaidOrdersAreKept()
    {
        var checkout = await shop.CheckoutAsync();
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        await shop.WaitForStatusAsync(checkout, "paid");
        // A partial refund made in PayPal's dashboard: PayPal notifies, the service confirms it.
        await shop.RefundAtPayPalAsync(await shop.CaptureIdAtPayPalAsync(checkout), "10.00");
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Refunded'"), n => n == 1);
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL"), n => n == 0);
        var before = await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox");
        Assert.True(before >= 2);

        app.Clock.Advance(TimeSpan.FromDays(181));
        var retained = await RunAsync<ExpiryAndRetentionJob, (int Orders, int Events)>(job => job.RetainAsync(CancellationToken.None));
        Assert.Equal(before - 1, retained.Events);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE kind = 'Refunded'"));
        Assert.Equal("paid", (await shop.OrderAsync(checkout))!.Status);
    }

    private async Task<TResult> RunAsync<TJob, TResult>(Func<TJob, Task<TResult>> run) where TJob : notnull
    {
        using var scope = app.Services.CreateScope();
        return await run(scope.ServiceProvider.GetRequiredService<TJob>());
    }
}
