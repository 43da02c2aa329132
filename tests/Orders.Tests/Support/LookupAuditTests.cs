using Dapper;
using Microsoft.Data.Sqlite;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Support;

// Lookup audit entries are group-committed after the answer; none may be lost on a clean shutdown,
// and readers of the audit log see every lookup made before their read.
public sealed class LookupAuditTests
{
    [Fact]
    public async Task EveryLookupIsInTheAuditLogAfterACleanShutdown()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N"));
        string orderNumber;
        await using (var app = new OrdersApp(dataDirectory))
        {
            var shop = new Shop(app);
            var order = await shop.PaidOrderAsync(app);
            orderNumber = order.OrderNumber;
            using var support = await SupportSession.SupportAsync(app);
            for (var i = 0; i < 20; i++)
            {
                await support.SearchAsync(order.OrderNumber);
            }

            await support.OrderAsync(order.OrderNumber);
            // No read of the audit log here: the service stops with whatever is still queued.
        }

        await using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "orders.db")};Pooling=false");
        await connection.OpenAsync();
        Assert.Equal(20, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = 'search' AND actor = 'sam' AND order_number = @N", new { N = orderNumber }));
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_log WHERE action = 'view-order' AND actor = 'sam' AND order_number = @N", new { N = orderNumber }));
    }

    [Fact]
    public async Task TheAuditLogShowsALookupMadeJustBefore()
    {
        await using var app = new OrdersApp();
        var shop = new Shop(app);
        var order = await shop.PaidOrderAsync(app);
        using var support = await SupportSession.SupportAsync(app);
        using var admin = await SupportSession.AdminAsync(app);

        await support.SearchAsync(order.OrderNumber);
        var entries = await admin.GetJsonAsync($"/api/support/audit?order={order.OrderNumber}&action=search");

        Assert.Contains(entries.GetProperty("entries").EnumerateArray(), e => e.GetProperty("actor").GetString() == "sam");
    }
}
