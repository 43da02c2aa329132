using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Orders.Sandbox.Template;

namespace Orders.Sandbox.Stripe;

// Stripe's error body: {"error":{"type","code","message","param"}} (code and param only when known).
internal sealed record StripeFailure(int StatusCode, string Type, string? Code, string Message, string? Param)
{
    public JsonObject Body() => new() { ["error"] = JsonSerializer.SerializeToNode(new ErrorJson(Code, Message, Param, Type), SandboxJson.Stripe) };

    private sealed record ErrorJson(
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code, string Message,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Param, string Type);
}

internal static class StripeErrors
{
    private const string InvalidRequest = "invalid_request_error";

    public static StripeFailure Missing(string param) =>
        new(StatusCodes.Status400BadRequest, InvalidRequest, "parameter_missing", $"Missing required param: {param}.", param);

    public static StripeFailure Unknown(string param) =>
        new(StatusCodes.Status400BadRequest, InvalidRequest, "parameter_unknown",
            $"Received unknown parameter: {param}", param);

    public static StripeFailure Invalid(string param, string message, string? code = null) =>
        new(StatusCodes.Status400BadRequest, InvalidRequest, code, message, param);

    public static StripeFailure InvalidInteger(string param, string value) =>
        new(StatusCodes.Status400BadRequest, InvalidRequest, "parameter_invalid_integer", $"Invalid integer: {value}", param);

    public static StripeFailure NoSuch(string kind, string id, string param) =>
        new(StatusCodes.Status404NotFound, InvalidRequest, "resource_missing", $"No such {kind}: '{id}'", param);

    // Stripe answers a path it has no resource for in its own shape, so a client reads it as an error.
    public static StripeFailure UnrecognizedUrl(string method, string path) =>
        new(StatusCodes.Status404NotFound, InvalidRequest, null, $"Unrecognized request URL ({method}: {path}).", null);

    public static StripeFailure Malformed() =>
        new(StatusCodes.Status400BadRequest, InvalidRequest, null,
            "Invalid request (check that your POST content type is application/x-www-form-urlencoded).", null);

    public static StripeFailure TooLarge() =>
        new(StatusCodes.Status413PayloadTooLarge, InvalidRequest, null, $"The request body is larger than {StripeForm.MaxBodyBytes} bytes.", null);

    public static StripeFailure NoApiKey() =>
        new(StatusCodes.Status401Unauthorized, InvalidRequest, null,
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').", null);

    // Stripe masks all but the last four characters of a wrong key.
    public static StripeFailure InvalidApiKey(string key) =>
        new(StatusCodes.Status401Unauthorized, InvalidRequest, "api_key_invalid",
            $"Invalid API Key provided: {Mask(key)}", null);

    public static StripeFailure IdempotencyMismatch(string key) =>
        new(StatusCodes.Status400BadRequest, "idempotency_error", null,
            $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request.", null);

    public static StripeFailure Internal() =>
        new(StatusCodes.Status500InternalServerError, "api_error", null, "An unknown error occurred (the sandbox's FailApiCalls knob is on).", null);

    public static JsonHttpResult<JsonObject> ToResult(this StripeFailure failure) =>
        TypedResults.Json(failure.Body(), SandboxJson.Stripe, statusCode: failure.StatusCode);

    private static string Mask(string key) =>
        key.Length <= 8 ? new string('*', key.Length) : key[..Math.Min(8, key.Length - 4)] + new string('*', 4) + key[^4..];
}
