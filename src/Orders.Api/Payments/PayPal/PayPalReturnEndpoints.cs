using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Orders;
using Orders.Api.Payments;
using Orders.Api.Processing;
using Orders.Api.Webhooks;

namespace Orders.Api.Payments.PayPal;

// Where PayPal sends the buyer back. PayPal appends token=<PayPal order id>; st is our status token,
// put into the return URL at checkout so that only the buyer's own browser is let through.
internal static partial class PayPalReturnEndpoints
{
    private const string FindSql = $"SELECT {OrderRow.Columns} FROM orders WHERE provider = 'paypal' AND provider_order_ref = @Ref";

    public static IEndpointRouteBuilder MapPayPalReturn(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/checkout/paypal").WithTags("Checkout");
        group.MapGet("/return", Return).WithName("PayPalReturn");
        group.MapGet("/cancel", Cancel).WithName("PayPalCancel");
        return app;
    }

    internal static async Task<Results<SeeOtherResult, ProblemHttpResult>> Return(
        string? token, string? st, Db db, PayPalProvider paypal, Inbox inbox, PaymentEventApplier applier, ILoggerFactory loggers, CancellationToken ct)
    {
        var order = await FindAsync(db, token, st, ct);
        if (order is null)
        {
            return NotFound();
        }

        if (order.Status == OrderStatus.Pending)
        {
            try
            {
                if (await paypal.CaptureApprovedAsync(order.ProviderOrderRef!, ct) is { } captured)
                {
                    var stored = await inbox.StoreAsync(captured, ct);
                    await applier.ApplyAsync(stored.InboxId, ct);
                }
            }
            catch (PaymentProviderException e)
            {
                // The customer still lands on the status page; the approval webhook finishes the capture.
                LogCaptureDeferred(loggers.CreateLogger("Orders.Checkout.PayPal"), order.OrderNumber, e.Message);
            }
        }

        return new SeeOtherResult(StatusTokens.StatusPath(order.OrderNumber, st!));
    }

    internal static async Task<Results<SeeOtherResult, ProblemHttpResult>> Cancel(
        string? token, string? st, Db db, Inbox inbox, PaymentEventApplier applier, CancellationToken ct)
    {
        var order = await FindAsync(db, token, st, ct);
        if (order is null)
        {
            return NotFound();
        }

        var canceled = new PaymentEvent(PayPalProvider.ProviderName, $"buyer-cancel:{order.ProviderOrderRef}", "BUYER.CANCELED",
            PaymentEventKind.Canceled, order.OrderNumber, order.ProviderOrderRef, null, null, null, null);
        var stored = await inbox.StoreAsync(canceled, ct);
        await applier.ApplyAsync(stored.InboxId, ct);
        return new SeeOtherResult(StatusTokens.StatusPath(order.OrderNumber, st!));
    }

    private static async Task<OrderRow?> FindAsync(Db db, string? payPalOrderId, string? statusToken, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(payPalOrderId) || payPalOrderId.Length > 64 || string.IsNullOrEmpty(statusToken))
        {
            return null;
        }

        await using var connection = await db.OpenAsync(ct);
        var order = await connection.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(FindSql, new { Ref = payPalOrderId }, cancellationToken: ct));
        return order is not null && StatusTokens.Matches(statusToken, order.StatusTokenHash) ? order : null;
    }

    private static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Order not found", detail: "No order matches this link.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderNumber}: capture on return deferred to the webhook ({Reason})")]
    private static partial void LogCaptureDeferred(ILogger logger, string orderNumber, string reason);
}
