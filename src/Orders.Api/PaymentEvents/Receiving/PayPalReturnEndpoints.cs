using System.Data.Common;
using Dapper;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Orders;
using Orders.Api.Payments;
using Orders.Api.Payments.PayPal;

namespace Orders.Api.PaymentEvents.Receiving;

// Where PayPal sends the buyer back. PayPal appends token=<PayPal order id>; st is our status token,
// put into the return URL at checkout so that only the buyer's own browser is let through.
// (The cancel link of every provider is Checkout/CheckoutCancelEndpoints.)
internal static partial class PayPalReturnEndpoints
{
    private const string FindSql = $"SELECT {OrderRow.Columns} FROM orders WHERE provider = 'paypal' AND provider_order_ref = @Ref";

    public static IEndpointRouteBuilder MapPayPalReturn(IEndpointRouteBuilder app)
    {
        app.MapGroup("/checkout/paypal").WithTags("Checkout").MapGet("/return", Return).WithName("PayPalReturn")
            .WithSummary("Where PayPal sends the buyer back")
            .WithDescription("PayPal adds `token` (its order id); `st` is the order's status token put into the return address at "
                + "checkout. Captures an approved payment, then redirects (303) to the order's status page. A browser, not an API "
                + "client, follows it.")
            .Produces(StatusCodes.Status303SeeOther)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    // The return is a notification like any other: PayPal is asked what became of the order (and it
    // is captured if the buyer approved it), inline so the status page is current when the customer
    // lands on it. If PayPal cannot be reached the notification stays unprocessed and a job keeps
    // asking (so do the recovery sweep and reconciliation); the status page says we are confirming.
    internal static async Task<Results<SeeOtherResult, NotFound>> Return(
        string? token, string? st, Db db, PaymentEventProcessor processor, IBackgroundJobClient jobs, TimeProvider time,
        ILoggerFactory loggers, CancellationToken ct)
    {
        var order = await FindAsync(db, token, st, ct);
        if (order is null)
        {
            // Empty: the customer's browser gets the shop's "not found" page, other clients problem details (Hosting/ErrorPages.cs).
            return TypedResults.NotFound();
        }

        if (ProviderConfirmation.MayStillBePaid(order.Status))
        {
            var logger = loggers.CreateLogger("Orders.Checkout.PayPal");
            // One return a second is enough; the time has separators so that no run of digits in the id
            // looks like a card number to the guard.
            var returned = new PaymentEvent(PayPalProvider.ProviderName, $"buyer-return:{order.ProviderOrderRef}:{time.GetUtcNow():yyyy-MM-dd'T'HH:mm:ss}",
                "BUYER.RETURNED", PaymentEventKind.Notified, order.OrderNumber, order.ProviderOrderRef, null, null, null, null);
            StoredEvent stored;
            try
            {
                stored = await processor.RecordAsync(returned, ct);
            }
            catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
            {
                // Nothing was asked of PayPal: the approval's webhook and reconciliation still capture it.
                LogReturnNotStored(logger, order.OrderNumber, e.GetType().Name);
                return new SeeOtherResult(StatusTokens.StatusPath(order.OrderNumber, st!));
            }

            try
            {
                await processor.ProcessAsync(stored.InboxId, ct);
            }
            catch (Exception e) when (e is PaymentProviderException or DbException or InvalidOperationException or TimeoutException)
            {
                LogCaptureDeferred(logger, order.OrderNumber, e is PaymentProviderException ? e.Message : e.GetType().Name);
                Retry(jobs, stored.InboxId, logger);
            }
        }

        return new SeeOtherResult(StatusTokens.StatusPath(order.OrderNumber, st!));
    }

    private static void Retry(IBackgroundJobClient jobs, long inboxId, ILogger logger)
    {
        try
        {
            jobs.Enqueue<ProcessInboxEventJob>(job => job.RunAsync(inboxId, CancellationToken.None));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The row is unprocessed in the database: the recovery sweep enqueues it within a minute.
            LogRetryNotEnqueued(logger, inboxId, e.GetType().Name);
        }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderNumber}: PayPal could not be asked on the customer's return ({Reason}); a job keeps asking")]
    private static partial void LogCaptureDeferred(ILogger logger, string orderNumber, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Order {OrderNumber}: the customer's return could not be stored ({ErrorType}); the webhook and reconciliation confirm the payment")]
    private static partial void LogReturnNotStored(ILogger logger, string orderNumber, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox {InboxId}: the retry was not enqueued ({ErrorType}); the recovery sweep picks it up")]
    private static partial void LogRetryNotEnqueued(ILogger logger, long inboxId, string errorType);
}
