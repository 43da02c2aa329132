using System.Data.Common;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Orders;
using Orders.Api.Payments;
using Orders.Api.PaymentEvents;

namespace Orders.Api.Checkout;

// Where a provider's payment page sends the customer who chose Cancel (PayPal, Stripe; the reseller's
// cart has no cancel address and returns to the status page). A link is never a reason to change an
// order on its own: the provider is asked, and the order becomes canceled only when it confirms that
// nothing was paid (PayPal: neither approved nor completed; Stripe: the session was expired through
// the API). Paid, refunded or reversed orders are never touched. The customer then sees the status
// page, which says what is true and offers the way back to the payment page or another method.
internal static partial class CheckoutCancelEndpoints
{
    private const string FindByNumberSql = $"SELECT {OrderRow.Columns} FROM orders WHERE order_number = @Number AND provider = @Provider";

    // Links handed to PayPal before the order number was part of them carry PayPal's token instead.
    private const string FindByProviderRefSql = $"SELECT {OrderRow.Columns} FROM orders WHERE provider = @Provider AND provider_order_ref = @Ref";

    public static IEndpointRouteBuilder MapCheckoutCancel(this IEndpointRouteBuilder app)
    {
        app.MapGet("/checkout/{provider}/cancel", Cancel).WithTags("Checkout").WithName("CheckoutCancel").ExcludeFromDescription();
        return app;
    }

    internal static async Task<Results<SeeOtherResult, NotFound>> Cancel(
        string provider, string? order, string? token, string? st, Db db, PaymentProviders providers, PaymentEventProcessor processor,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var adapter = providers.Find(provider);
        var row = adapter is null ? null : await FindAsync(db, adapter.Name, order, token, st, ct);
        if (adapter is null || row is null)
        {
            // Empty: the customer's browser gets the shop's "not found" page, other clients problem details (Hosting/ErrorPages.cs).
            return TypedResults.NotFound();
        }

        try
        {
            await processor.CancelAsync(adapter, row, ct);
        }
        catch (Exception e) when (e is PaymentProviderException or DbException or InvalidOperationException or TimeoutException)
        {
            // The provider (or our storage) cannot answer now: the order stays as it is, and the
            // status page says that no payment has been confirmed.
            LogCancelNotConfirmed(loggers.CreateLogger("Orders.Checkout"), row.OrderNumber, adapter.Name, e is PaymentProviderException ? e.Message : e.GetType().Name);
        }

        return new SeeOtherResult(StatusTokens.StatusPath(row.OrderNumber, st!) + "&left=1");
    }

    private static async Task<OrderRow?> FindAsync(Db db, string provider, string? orderNumber, string? providerRef, string? statusToken, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(statusToken) || orderNumber?.Length > 64 || providerRef?.Length > 64 || (orderNumber is null && providerRef is null))
        {
            return null;
        }

        await using var connection = await db.OpenAsync(ct);
        var row = orderNumber is not null
            ? await connection.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(FindByNumberSql, new { Number = orderNumber, Provider = provider }, cancellationToken: ct))
            : await connection.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(FindByProviderRefSql, new { Provider = provider, Ref = providerRef }, cancellationToken: ct));
        return row is not null && StatusTokens.Matches(statusToken, row.StatusTokenHash) ? row : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderNumber}: {Provider} could not confirm the customer's cancel ({Reason}); the order stays pending")]
    private static partial void LogCancelNotConfirmed(ILogger logger, string orderNumber, string provider, string reason);
}
