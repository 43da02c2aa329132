using System.Text.Json.Serialization;
using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using Orders.Api.Data;
using Orders.Api.Orders;

namespace Orders.Api.Pages;

internal sealed record LicenseView(string Key, int Seats, string Status);

// A privacy notice this order's address was sent, and the customer's answer (null: none yet).
internal sealed record NoticeAnswerView(string Subject, DateOnly EffectiveOn, string? Choice, DateTime? ChosenAt);

internal sealed record OrderView(
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
    [property: JsonIgnore] string? PaymentPageUrl);

// The customer's view of an order (the status API; the status page shows the same): only with the status token from the checkout / e-mail link.
// A wrong or missing token is indistinguishable from an unknown order.
internal static class OrderEndpoints
{
    private const string OrderSql = $"SELECT {OrderRow.Columns} FROM orders WHERE order_number = @OrderNumber";

    private const string LicensesSql = """
        SELECT license_key AS LicenseKey, seats AS Seats, status AS Status FROM licenses WHERE order_id = @OrderId ORDER BY line_no
        """;

    private sealed class LicenseRow
    {
        public string LicenseKey { get; init; } = "";
        public int Seats { get; init; }
        public string Status { get; init; } = "";
    }

    public static IEndpointRouteBuilder MapOrders(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/orders/{orderNumber}", GetOrder).WithTags("Orders").WithName("GetOrder");
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
        return new OrderView(order.OrderNumber, order.Status, order.Sku, order.ProductName, order.Quantity, order.TotalMinor, order.Currency,
            order.CreatedAt, order.PaidAt, licenses, order.ErasedAt,
            [.. (await PrivacyConsents.ForOrderAsync(connection, order.Id, ct)).Select(c => new NoticeAnswerView(c.Subject, c.EffectiveOn, c.Choice, c.ChosenAt))],
            order.Provider, order.RedirectUrl);
    }
}
