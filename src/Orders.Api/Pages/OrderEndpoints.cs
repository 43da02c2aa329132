using System.Text.Json.Serialization;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Orders.Api.Data;
using Orders.Api.Orders;
using Orders.Api.Payments;

namespace Orders.Api.Pages;

public sealed record LicenseView(string Key, int Seats, string Status);

// A privacy notice this order's address was sent, and the customer's answer (null: none yet).
public sealed record NoticeAnswerView(string Subject, DateOnly EffectiveOn, string? Choice, DateTime? ChosenAt);

public sealed record OrderView(
    string OrderNumber,
    string Status,
    string Sku,
    string ProductName,
    int Quantity,
    long TotalMinor,
    string Currency,
    DateTime CreatedAt,
    DateTime? PaidAt,
    IReadOnlyList<LicenseView> Licenses,
    DateTime? PersonalDataErasedAt,
    IReadOnlyList<NoticeAnswerView> PrivacyNotices,
    string Provider,
    [property: JsonIgnore] string? PaymentPageUrl,
    long RefundedMinor,
    string Summary,
    // Where the license was sent and who it is for: the status page shows them (it is behind the
    // same token as the API), the JSON leaves them out, as it always has.
    [property: JsonIgnore] string Email,
    [property: JsonIgnore] string LicenseeName);

// The customer's view of an order (the status API; the status page shows the same): only with the status token from the checkout / e-mail link.
// A wrong or missing token is indistinguishable from an unknown order.
internal static class OrderEndpoints
{
    private const string OrderSql = $"SELECT {OrderRow.Columns} FROM orders WHERE order_number = @OrderNumber";

    private const string LicensesSql = """
        SELECT license_key AS LicenseKey, seats AS Seats, status AS Status FROM licenses WHERE order_id = @OrderId ORDER BY line_no
        """;

    // Each refund once, however many events reported it (as the state machine counts them).
    private const string RefundedSql = """
        SELECT COALESCE(SUM(amount), 0) FROM (
            SELECT MAX(amount_minor) AS amount
            FROM webhook_inbox
            WHERE order_id = @OrderId AND kind = 'Refunded' AND processed_at IS NOT NULL
            GROUP BY COALESCE(provider_refund_ref, provider_event_id)
        ) AS refunds
        """;

    private sealed class LicenseRow
    {
        public string LicenseKey { get; init; } = "";
        public int Seats { get; init; }
        public string Status { get; init; } = "";
    }

    public static IEndpointRouteBuilder MapOrders(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/orders/{orderNumber}", GetOrder).WithTags("Orders").WithName("GetOrder")
            .WithSummary("Read an order's status as its customer sees it")
            .WithDescription("The order number with the status token from checkout's `statusUrl` (query `token`). Says what "
                + "happened in plain words (`summary`), with the order's licenses once it is paid. A wrong number or token is a 404, "
                + "the same for both, so neither can be guessed one at a time.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    internal static async Task<Results<Ok<OrderView>, ProblemHttpResult>> GetOrder(string orderNumber, string? token, Db db, CancellationToken ct)
    {
        var view = await LoadAsync(db, orderNumber, token, ct);
        return view is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Order not found", detail: "No order matches this number and token.")
            : TypedResults.Ok(view);
    }

    public static async Task<OrderView?> LoadAsync(Db db, string orderNumber, string? token, CancellationToken ct)
    {
        if (orderNumber.Length > 64 || string.IsNullOrEmpty(token))
        {
            return null;
        }

        await using var connection = await db.OpenAsync(ct);
        var order = await connection.QuerySingleOrDefaultAsync<OrderRow>(new CommandDefinition(OrderSql, new { OrderNumber = orderNumber }, cancellationToken: ct));
        if (order is null || !StatusTokens.Matches(token, order.StatusTokenHash))
        {
            return null;
        }

        var licenses = (await connection.QueryAsync<LicenseRow>(new CommandDefinition(LicensesSql, new { OrderId = order.Id }, cancellationToken: ct)))
            .Select(l => new LicenseView(l.LicenseKey, l.Seats, l.Status))
            .ToList();
        // A refund without an amount (a provider that does not say) is a refund of the whole order.
        var refunded = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(RefundedSql, new { OrderId = order.Id }, cancellationToken: ct)) ?? 0;
        if (order.Status == OrderStatus.Refunded && refunded == 0)
        {
            refunded = order.TotalMinor;
        }

        refunded = Math.Min(refunded, order.TotalMinor);
        return new OrderView(order.OrderNumber, order.Status, order.Sku, order.ProductName, order.Quantity, order.TotalMinor, order.Currency,
            order.CreatedAt, order.PaidAt, licenses, order.ErasedAt,
            [.. (await PrivacyConsents.ForOrderAsync(connection, order.Id, ct)).Select(c => new NoticeAnswerView(c.Subject, c.EffectiveOn, c.Choice, c.ChosenAt))],
            order.Provider, order.RedirectUrl, refunded, Summary(order.Status, licenses, refunded, order.TotalMinor, order.Currency),
            order.Email, order.LicenseeName);
    }

    // What happened to the order, in plain words (the status page and the API say the same; the
    // page's script reads the API's out). Money as the pages write it: $10.00, CHF 49.00.
    // A paid order whose license was revoked is not a thank-you: the key no longer works.
    internal static string Summary(string status, IReadOnlyList<LicenseView> licenses, long refundedMinor, long totalMinor, string currency)
    {
        var revoked = licenses.Count > 0 && licenses.All(l => l.Status != "active");
        var partly = refundedMinor > 0 && refundedMinor < totalMinor
            ? $" Part of your payment was refunded: {ShopFormat.Price(refundedMinor, currency)} of {ShopFormat.Price(totalMinor, currency)}."
            : "";
        return status switch
        {
            OrderStatus.Pending => "The payment for this order has not been confirmed yet.",
            OrderStatus.Paid when revoked => $"Your payment is confirmed, but our support team revoked this order's license: its key no longer works.{partly} If you think this is a mistake, reply to the e-mail we sent you.",
            OrderStatus.Paid when partly.Length > 0 => $"Your payment is confirmed.{partly} Your license key keeps working.",
            OrderStatus.Paid => "Thank you! Your payment is confirmed and your license has been e-mailed to you.",
            OrderStatus.Review => "Your payment arrived but needs a quick check by our team. We will e-mail you.",
            OrderStatus.Canceled => "The payment was canceled. Nothing was charged.",
            OrderStatus.Failed => "The payment did not go through. Nothing was charged.",
            OrderStatus.Refunded => $"This order was fully refunded ({ShopFormat.Price(Math.Max(refundedMinor, totalMinor), currency)}).{(licenses.Count > 0 ? " Its license key no longer works." : "")}",
            OrderStatus.Reversed => $"The payment for this order was reversed (for example after a chargeback or dispute), so the money went back to the payer.{(licenses.Count > 0 ? " Its license key no longer works." : "")}",
            OrderStatus.Expired => "This order expired before it was paid. Nothing was charged.",
            _ => "",
        };
    }
}
