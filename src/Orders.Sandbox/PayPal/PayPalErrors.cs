using System.Collections.Frozen;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Orders.Sandbox.Template;

namespace Orders.Sandbox.PayPal;

internal sealed record PayPalLink(string Href, string Rel, string? Method = null);

internal sealed record PayPalIssue(string? Field, string? Value, string? Location, string Issue, string Description);

// PayPal's error body (PROVIDERS.md 1.7).
internal sealed record PayPalError(string Name, string Message, string DebugId, IReadOnlyList<PayPalIssue>? Details, IReadOnlyList<PayPalLink> Links);

internal sealed record PayPalFailure(int StatusCode, PayPalError Error)
{
    public JsonHttpResult<PayPalError> ToResult() => TypedResults.Json(Error, SandboxJson.PayPal, statusCode: StatusCode);
}

// What a PayPal operation answers: a JSON body with its status code, or a PayPal error.
internal sealed record ApiOutcome(int StatusCode, JsonNode? Body, PayPalFailure? Failure)
{
    public static ApiOutcome Success(int statusCode, JsonNode body) => new(statusCode, body, null);

    public static implicit operator ApiOutcome(PayPalFailure failure) => new(failure.StatusCode, null, failure);

    public Results<JsonHttpResult<JsonNode>, JsonHttpResult<PayPalError>> ToResult() =>
        Failure is null ? TypedResults.Json(Body!, SandboxJson.PayPal, statusCode: StatusCode) : Failure.ToResult();
}

internal static class PayPalErrors
{
    private static readonly FrozenDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        ["MALFORMED_REQUEST_JSON"] = "The request JSON is not well formed.",
        ["MISSING_REQUIRED_PARAMETER"] = "A required field / parameter is missing.",
        ["INVALID_PARAMETER_VALUE"] = "The value of a field is invalid.",
        ["INVALID_PARAMETER_SYNTAX"] = "The value of a field does not conform to the expected format.",
        ["INVALID_STRING_LENGTH"] = "The value of a field is either too short or too long.",
        ["INVALID_ARRAY_MIN_ITEMS"] = "The number of items in an array parameter is too small.",
        ["INVALID_ARRAY_MAX_ITEMS"] = "The number of items in an array parameter is too large.",
        ["INVALID_CURRENCY_CODE"] = "Currency code is invalid or is not currently supported.",
        ["DECIMAL_PRECISION"] = "If the currency supports decimals, only two decimal place precision is supported.",
        ["CANNOT_BE_ZERO_OR_NEGATIVE"] = "Must be greater than zero. If the currency supports decimals, only two decimal place precision is supported.",
        ["CANNOT_BE_NEGATIVE"] = "Must be greater than or equal to 0. If the currency supports decimals, only two decimal place precision is supported.",
        ["MAX_VALUE_EXCEEDED"] = "Should be less than or equal to 999999999999999.99.",
        ["ITEM_TOTAL_REQUIRED"] = "If item details are specified (items.unit_amount and items.quantity) corresponding amount.breakdown.item_total is required.",
        ["ITEM_TOTAL_MISMATCH"] = "Should equal sum of (unit_amount * quantity) across all items for a given purchase_unit.",
        ["TAX_TOTAL_REQUIRED"] = "If item details are specified (items.tax and items.quantity) corresponding amount.breakdown.tax_total is required.",
        ["TAX_TOTAL_MISMATCH"] = "Should equal sum of (tax * quantity) across all items for a given purchase_unit.",
        ["AMOUNT_MISMATCH"] = "Should equal item_total + tax_total + shipping + handling + insurance - shipping_discount - discount.",
        ["MULTI_CURRENCY_ORDER"] = "Multiple differing values of currency_code are not supported. Entire Order request must have the same currency_code.",
        ["REFERENCE_ID_REQUIRED"] = "'reference_id' is required for each 'purchase_unit' if multiple 'purchase_unit' are provided.",
        ["DUPLICATE_REFERENCE_ID"] = "'reference_id' must be unique if multiple 'purchase_unit' are provided.",
        ["DUPLICATE_INVOICE_ID"] = "Duplicate Invoice ID detected. To avoid a potential duplicate transaction your account setting requires that Invoice Id be unique for each transaction.",
        ["PAYMENT_SOURCE_NOT_SUPPORTED"] = "This payment source is not supported by the sandbox; use payment_source.paypal.",
        ["INVALID_RESOURCE_ID"] = "Specified resource ID does not exist. Please check the resource ID and try again.",
        ["ORDER_NOT_APPROVED"] = "Payer has not yet approved the Order for payment. Please redirect the payer to the 'rel':'approve' url returned as part of the HATEOAS links within the Create Order call.",
        ["ORDER_ALREADY_CAPTURED"] = "Order already captured. If 'intent=CAPTURE' only one capture per order is allowed.",
        ["ACTION_DOES_NOT_MATCH_INTENT"] = "Order was created with an intent to 'AUTHORIZE'. Authorize the order instead, or create an order with an intent of 'CAPTURE'.",
        ["REFUND_AMOUNT_EXCEEDED"] = "The refund amount must be less than or equal to the capture amount that has not yet been refunded.",
        ["CAPTURE_FULLY_REFUNDED"] = "The capture has already been fully refunded.",
        ["PENDING_CAPTURE"] = "Cannot initiate a refund as the capture is pending.",
        ["REFUND_NOT_ALLOWED"] = "A refund cannot be issued for a capture in this state.",
        ["REFUND_CAPTURE_CURRENCY_MISMATCH"] = "Refund must be in the same currency as the capture.",
        ["CAPTURE_NOT_PENDING"] = "Only a PENDING capture can be completed or denied.",
        ["CAPTURE_NOT_REVERSIBLE"] = "Only a COMPLETED or PARTIALLY_REFUNDED capture can be reversed.",
        ["INVALID_ACCOUNT_STATUS"] = "Account validations failed for the user.",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static PayPalIssue Issue(string issue, string? field = null, string? value = null, string? location = "body") =>
        new(field, value, location, issue, Descriptions.GetValueOrDefault(issue, issue));

    public static PayPalFailure InvalidRequest(IReadOnlyList<PayPalIssue> details, string api = "orders/v2") => new(
        StatusCodes.Status400BadRequest,
        Error("INVALID_REQUEST", "Request is not well-formed, syntactically incorrect, or violates schema.", details, api));

    public static PayPalFailure MalformedJson(string api = "orders/v2") =>
        InvalidRequest([Issue("MALFORMED_REQUEST_JSON", "/")], api);

    public static PayPalFailure AuthenticationFailure() => new(
        StatusCodes.Status401Unauthorized,
        new PayPalError(
            "AUTHENTICATION_FAILURE",
            "Authentication failed due to invalid authentication credentials or a missing Authorization header.",
            SandboxIds.DebugId(),
            null,
            [new PayPalLink("https://developer.paypal.com/docs/api/overview/#error", "information_link")]));

    public static PayPalFailure NotFound(string field, string value, string api = "orders/v2") => new(
        StatusCodes.Status404NotFound,
        Error("RESOURCE_NOT_FOUND", "The specified resource does not exist.", [Issue("INVALID_RESOURCE_ID", field, value, "path")], api));

    // A path PayPal has no resource for: its 404 error shape, so a client reads it as an error.
    public static PayPalFailure NoSuchPath() => new(
        StatusCodes.Status404NotFound,
        Error("RESOURCE_NOT_FOUND", "The specified resource does not exist.", null, "overview"));

    public static PayPalFailure Unprocessable(IReadOnlyList<PayPalIssue> details, string api = "orders/v2") => new(
        StatusCodes.Status422UnprocessableEntity,
        Error("UNPROCESSABLE_ENTITY", "The requested action could not be performed, semantically incorrect, or failed business validation.", details, api));

    public static PayPalFailure Unprocessable(string issue, string api = "orders/v2") => Unprocessable([Issue(issue, location: null)], api);

    public static PayPalFailure UnsupportedMediaType() => new(
        StatusCodes.Status415UnsupportedMediaType,
        Error("UNSUPPORTED_MEDIA_TYPE", "The server does not support the request payload's media type.", null, "overview"));

    public static PayPalFailure Internal() => new(
        StatusCodes.Status500InternalServerError,
        Error("INTERNAL_SERVER_ERROR", "An internal server error has occurred.", null, "overview"));

    private static PayPalError Error(string name, string message, IReadOnlyList<PayPalIssue>? details, string api)
    {
        var anchor = details is [var first, ..] ? first.Issue : name;
        var href = api == "overview"
            ? "https://developer.paypal.com/docs/api/overview/#error"
            : $"https://developer.paypal.com/docs/api/{api}/#error-{anchor}";
        return new PayPalError(name, message, SandboxIds.DebugId(), details, [new PayPalLink(href, "information_link", "GET")]);
    }
}
