using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Orders.Sandbox.Template;
using static Orders.Sandbox.Avangate.AvangateProfile;

namespace Orders.Sandbox.Avangate;

internal sealed record CartCreated(string Refno, string CartUrl);

internal sealed record PaymentDone(string Refno, string? ReturnUrl);

internal sealed record AvangateOrderView(
    string Refno, string OrderExtRef, string State, string Currency, string Total, string LicenseCode,
    DateTimeOffset CreatedAt, DateTimeOffset? PaidAt);

// Test controls. Not 2Checkout's API: they do what a shopper, 2Checkout's support desk or a broken
// network would do, so tests can drive every path without a browser.
internal static partial class AvangateControlEndpoints
{
    public static void MapAvangateControls(this RouteGroupBuilder sandbox)
    {
        sandbox.MapPost("/_notifications/send", SendNotification);
        sandbox = sandbox.MapApiGroup<AvangateSandboxOptions>();
        sandbox.MapPost("/carts", CreateCart);
        sandbox.MapGet("/orders/{refno}", GetOrder);
        sandbox.MapPost("/orders/{refno}/pay", Pay);
        sandbox.MapPost("/orders/{refno}/refund", (string refno, AvangateOrders orders) => Queued(orders.Refund(refno)));
        sandbox.MapPost("/orders/{refno}/reverse", (string refno, AvangateOrders orders) => Queued(orders.Reverse(refno)));
        sandbox.MapPost("/orders/{refno}/lcn", ChangeLicense);
    }

    // The buy link's query string as a form body (or on this URL): same checks as opening the link.
    private static async Task<Results<JsonHttpResult<CartCreated>, ProblemHttpResult>> CreateCart(
        HttpRequest request, AvangateOrders orders, AvangateProfile profile, IOptions<AvangateSandboxOptions> options,
        TimeProvider time, ILogger<AvangateOrders> logger, CancellationToken cancellationToken)
    {
        var (parameters, bodyProblem) = await ReadFormOrQueryAsync(request, cancellationToken);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }
        var (link, error) = AvangateBuyLinks.Validate(parameters!, options.Value, time.GetUtcNow());
        if (error is not null)
        {
            logger.Refused("2Checkout", error.Code);
            return Problem(StatusCodes.Status400BadRequest, "Buy link refused", error.Code, error.Message);
        }
        // 201 also when the link's cart already exists (same REFNO): a buy link always "creates" a
        // cart at 2Checkout, and callers need not know whether it was opened before.
        var (order, _) = orders.Open(link!);
        return TypedResults.Json(new CartCreated(order.Refno, profile.Cart(order.Refno)), SandboxJson.Control, statusCode: StatusCodes.Status201Created);
    }

    private static Results<JsonHttpResult<AvangateOrderView>, ProblemHttpResult> GetOrder(string refno, AvangateOrders orders)
    {
        if (orders.Find(refno) is not { } order)
        {
            return Refused(AvangateOrders.NotFound(refno));
        }
        lock (order.Gate)
        {
            var link = order.Link;
            return TypedResults.Json(new AvangateOrderView(
                order.Refno, link.OrderExternalReference, order.StateName, link.Currency, AvangateMoney.Format(link.Total, link.Currency),
                order.LicenseReference(0), order.CreatedAt, order.PaidAt), SandboxJson.Control);
        }
    }

    // What Pay on the cart page does. The e-mail comes from the form or query (email=…), else the
    // buy link's prefill, else the sample shopper's.
    private static async Task<Results<JsonHttpResult<PaymentDone>, ProblemHttpResult>> Pay(
        string refno, HttpRequest request, AvangateOrders orders, CancellationToken cancellationToken)
    {
        if (orders.Find(refno) is not { } order)
        {
            return Refused(AvangateOrders.NotFound(refno));
        }
        var (parameters, bodyProblem) = await ReadFormOrQueryAsync(request, cancellationToken);
        if (bodyProblem is not null)
        {
            return bodyProblem;
        }
        var email = AvangateForm.First(parameters!, "email")?.Trim();
        if (string.IsNullOrEmpty(email))
        {
            email = AvangateCartPage.View(order).Email ?? AvangateSandboxShopper.Email;
        }
        if (!AvangateCartPage.IsEmail(email))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid e-mail", "INVALID_PARAMETER", "email must be an e-mail address.");
        }
        var (payment, refusal) = orders.Pay(refno, email);
        return refusal is not null
            ? Refused(refusal)
            : TypedResults.Json(new PaymentDone(payment!.Refno, payment.ReturnUrl), SandboxJson.Control);
    }

    private static Results<JsonHttpResult<AvangateQueued>, ProblemHttpResult> ChangeLicense(string refno, [FromQuery] string? status, AvangateOrders orders)
    {
        status ??= "DISABLED";
        if (!LicenseStatus().IsMatch(status))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid status", "INVALID_PARAMETER", "status must be a licence status in capitals, e.g. DISABLED or ACTIVE.");
        }
        return Queued(orders.ChangeLicense(refno, status));
    }

    // Signs and delivers the posted fields as they are (order, names and values kept), so tests
    // control every field of a notification. Fields that already carry signatures go out unchanged.
    private static async Task<Results<JsonHttpResult<AvangateQueued>, ProblemHttpResult>> SendNotification(
        HttpRequest request, [FromQuery] string? kind, AvangateOrders orders, CancellationToken cancellationToken)
    {
        kind ??= AvangateNotificationKinds.Ipn;
        if (kind is not (AvangateNotificationKinds.Ipn or AvangateNotificationKinds.Lcn))
        {
            return Problem(StatusCodes.Status400BadRequest, "Invalid kind", "INVALID_PARAMETER", "kind must be ipn or lcn.");
        }
        var (fields, problem) = await ReadFormAsync(request, "Send the notification's fields as application/x-www-form-urlencoded.", cancellationToken);
        if (problem is not null || fields!.Count == 0)
        {
            return problem ?? Problem(StatusCodes.Status400BadRequest, "No fields", "MISSING_PARAMETER", "Send at least one field.");
        }
        return TypedResults.Json(orders.SendRaw(kind, fields), SandboxJson.Control, statusCode: StatusCodes.Status202Accepted);
    }

    // A form body when there is one, else the query string.
    private static async Task<(IReadOnlyList<KeyValuePair<string, string>>? Parameters, ProblemHttpResult? Problem)> ReadFormOrQueryAsync(
        HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is null or 0 && request.Headers.TransferEncoding.Count == 0)
        {
            return (AvangateCartPage.Parameters(request.Query), null);
        }
        var (fields, problem) = await ReadFormAsync(request, "Send the parameters as application/x-www-form-urlencoded or in the query string.", cancellationToken);
        return problem is not null || fields!.Count > 0 ? (fields, problem) : (AvangateCartPage.Parameters(request.Query), null);
    }

    private static async Task<(List<KeyValuePair<string, string>>? Fields, ProblemHttpResult? Problem)> ReadFormAsync(
        HttpRequest request, string unsupported, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "UNSUPPORTED_MEDIA_TYPE", unsupported));
        }
        return await AvangateForm.ReadBodyAsync(request, cancellationToken) is { } body
            ? (AvangateForm.Parse(body), null)
            : (null, Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", "BODY_TOO_LARGE", $"At most {AvangateForm.MaxBodyBytes} bytes."));
    }

    private static Results<JsonHttpResult<AvangateQueued>, ProblemHttpResult> Queued((AvangateQueued? Queued, AvangateRefusal? Refusal) outcome) =>
        outcome.Refusal is not null
            ? Refused(outcome.Refusal)
            : TypedResults.Json(outcome.Queued!, SandboxJson.Control, statusCode: StatusCodes.Status202Accepted);

    private static ProblemHttpResult Refused(AvangateRefusal refusal) => Problem(refusal.StatusCode,
        refusal.StatusCode == StatusCodes.Status404NotFound ? "Order not found" : "Order state does not allow this", refusal.Code, refusal.Message);

    [GeneratedRegex("^[A-Z_]{1,32}$", RegexOptions.CultureInvariant)]
    private static partial Regex LicenseStatus();
}
