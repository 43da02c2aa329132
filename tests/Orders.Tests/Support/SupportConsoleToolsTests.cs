using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Orders.Api.Support;
using Orders.Tests.Infrastructure;
using Orders.Tests.Stripe;

namespace Orders.Tests.Support;

// The console's lookups beyond the search box's first shapes: by licensee name, and the newest orders.
public sealed class SupportConsoleToolsTests : ServiceTest
{
    [Fact]
    public async Task SupportFindsAnOrderByTheLicenseeNameInAnyCaseOrByHowItStarts()
    {
        var grace = await shop.CheckoutAsync(email: "g@example.com", licenseeName: "Grace Hopper");
        var other = await shop.CheckoutAsync(email: "o@example.com", licenseeName: "Alan Turing");
        using var support = await SupportSession.SupportAsync(app);

        var exact = await support.SearchAsync("grace HOPPER");
        var hit = Assert.Single(exact.GetProperty("orders").EnumerateArray());
        Assert.Equal(grace.OrderNumber, hit.GetProperty("orderNumber").GetString());
        Assert.Equal("licensee name", hit.GetProperty("matchedBy").GetString());
        Assert.True(hit.GetProperty("exact").GetBoolean());

        var prefix = await support.SearchAsync("Grace");
        Assert.Equal([grace.OrderNumber], prefix.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("orderNumber").GetString()));
        Assert.Equal("licensee name starts with", prefix.GetProperty("orders")[0].GetProperty("matchedBy").GetString());

        var page = await support.PageAsync("/support?q=" + Uri.EscapeDataString("Alan Turing"));
        Assert.Contains(other.OrderNumber, page, StringComparison.Ordinal);
        Assert.DoesNotContain(grace.OrderNumber, page, StringComparison.Ordinal);

        // The audit entry names the shape of the term, never the name.
        using var admin = await SupportSession.AdminAsync(app);
        Assert.DoesNotContain(await admin.AuditAsync(action: AuditActions.Search),
            e => e.GetProperty("detail").GetString()!.Contains("Grace", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task TheRecentOrdersListFiltersByStatusProviderAndDayAndPages()
    {
        var paid = await shop.PaidOrderAsync(app, email: "paid@example.com");
        var pending = await shop.CheckoutAsync(email: "pending@example.com");
        var stripe = await new StripeShop(app, shop).CheckoutAsync(email: "stripe@example.com");
        using var support = await SupportSession.SupportAsync(app);

        var all = await support.GetJsonAsync("/api/support/orders");
        Assert.Equal([stripe.OrderNumber, pending.OrderNumber, paid.OrderNumber],
            all.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("orderNumber").GetString()));
        Assert.False(all.GetProperty("hasMore").GetBoolean());

        var paidOnly = await support.GetJsonAsync("/api/support/orders?status=paid");
        Assert.Equal([paid.OrderNumber], paidOnly.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("orderNumber").GetString()));
        var stripeOnly = await support.GetJsonAsync("/api/support/orders?provider=stripe");
        Assert.Equal([stripe.OrderNumber], stripeOnly.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("orderNumber").GetString()));

        var today = app.Clock.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var tomorrow = app.Clock.GetUtcNow().UtcDateTime.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(3, (await support.GetJsonAsync($"/api/support/orders?from={today}&to={today}")).GetProperty("orders").GetArrayLength());
        Assert.Equal(0, (await support.GetJsonAsync($"/api/support/orders?from={tomorrow}")).GetProperty("orders").GetArrayLength());

        // The existing search is unchanged with q.
        Assert.Equal(paid.OrderNumber, (await support.SearchAsync("paid@example.com")).GetProperty("orders")[0].GetProperty("orderNumber").GetString());

        // Pages of a bounded size: 55 more make 57 pending orders, two pages.
        await CopyOrderAsync(pending.OrderNumber, 55);
        var first = await support.GetJsonAsync("/api/support/orders?status=pending");
        Assert.Equal(RecentOrders.PageSize, first.GetProperty("orders").GetArrayLength());
        Assert.True(first.GetProperty("hasMore").GetBoolean());
        var second = await support.GetJsonAsync("/api/support/orders?status=pending&page=2");
        Assert.Equal(57 - RecentOrders.PageSize, second.GetProperty("orders").GetArrayLength());
        Assert.False(second.GetProperty("hasMore").GetBoolean());
        Assert.Empty(first.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("orderNumber").GetString())
            .Intersect(second.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("orderNumber").GetString())));

        // The console's start page shows the same list, with the filters and a link to the next page.
        var start = await support.PageAsync("/support?status=pending");
        Assert.Equal(RecentOrders.PageSize, start.Split("data-testid=\"recent-order\"").Length - 1);
        Assert.Contains("page=2", start, StringComparison.Ordinal);
        Assert.DoesNotContain(paid.OrderNumber, start, StringComparison.Ordinal);
        var stripePage = await support.PageAsync("/support?provider=stripe");
        Assert.Contains(stripe.OrderNumber, stripePage, StringComparison.Ordinal);
        Assert.DoesNotContain(pending.OrderNumber, stripePage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status=shipped", "status")]
    [InlineData("provider=bitcoin", "provider")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-12-02&to=2026-12-01", "to")]
    [InlineData("page=0", "page")]
    [InlineData("page=101", "page")]
    public async Task BadListFiltersAreAProblemNamingTheField(string query, string field)
    {
        using var support = await SupportSession.SupportAsync(app);

        using var response = await support.Http.GetAsync("/api/support/orders?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
        using var page = await support.Http.GetAsync("/support?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
    }

    private async Task CopyOrderAsync(string orderNumber, int copies)
    {
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        for (var i = 1; i <= copies; i++)
        {
            await connection.ExecuteAsync("""
                INSERT INTO orders (order_number, sku, product_name, quantity, unit_price_minor, currency, total_minor, email, licensee_name,
                                    provider, provider_order_ref, provider_transaction_ref, status, status_token_hash, created_at, updated_at, paid_at)
                SELECT order_number || '-' || @Copy, sku, product_name, quantity, unit_price_minor, currency, total_minor, email, licensee_name,
                       provider, provider_order_ref || '-' || @Copy, provider_transaction_ref || '-' || @Copy, status, status_token_hash, created_at, updated_at, paid_at
                FROM orders WHERE order_number = @OrderNumber
                """, new { OrderNumber = orderNumber, Copy = i });
        }
    }
}
