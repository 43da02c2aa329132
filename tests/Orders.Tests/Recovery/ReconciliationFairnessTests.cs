using Microsoft.Extensions.DependencyInjection;
using Orders.Api.PaymentEvents;
using Orders.Tests.Avangate;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Recovery;

// Every pending order a provider can be asked about is asked within a bounded time, however many
// other pending orders exist: orders of a provider without an order API are not in the line, and
// each run asks the orders asked least recently.
public sealed class ReconciliationFairnessTests() : ServiceTest(new() { ["RateLimits:CheckoutPerMinute"] = "100000" })
{
    [Fact]
    public async Task APaidOrderWhoseWebhooksWereLostIsFoundBehindAThousandAbandonedCheckouts()
    {
        var reseller = new AvangateShop(app, shop);
        for (var i = 0; i < 1000; i++)
        {
            await reseller.CheckoutAsync();
        }

        // More abandoned PayPal checkouts than one run asks about (Maintenance:BatchSize, 200).
        for (var i = 0; i < 250; i++)
        {
            await shop.CheckoutAsync();
        }

        app.Clock.Advance(TimeSpan.FromSeconds(1));
        var checkout = await shop.CheckoutAsync();
        await shop.SetPayPalSandboxAsync(new { dropWebhooks = true });
        await shop.ApproveAsync(checkout); // paid at PayPal's page; every notification is lost, the customer never returns

        app.Clock.Advance(TimeSpan.FromMinutes(11));
        for (var run = 0; run < 2 && (await shop.OrderAsync(checkout))!.Status != "paid"; run++)
        {
            using var scope = app.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<ReconciliationJob>().ReconcileAsync(CancellationToken.None);
            app.Clock.Advance(TimeSpan.FromMinutes(5));
        }

        var order = await shop.OrderAsync(checkout);
        Assert.Equal("paid", order!.Status);
        Assert.Single(order.Licenses);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders WHERE provider = 'avangate' AND reconciled_at IS NOT NULL"));
    }
}
