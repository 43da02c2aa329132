using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Orders.Sandbox.PayPal;

// What a PayPal operation answers: a JSON body with its status code, or a PayPal error.
internal sealed class ApiOutcome
{
    private readonly int statusCode;
    private readonly JsonNode? body;
    private readonly PayPalFailure? failure;

    private ApiOutcome(int statusCode, JsonNode? body, PayPalFailure? failure)
    {
        this.statusCode = statusCode;
        this.body = body;
        this.failure = failure;
    }

    public static ApiOutcome Success(int statusCode, JsonNode body) => new(statusCode, body, null);

    public static ApiOutcome From(PayPalFailure failure) => new(failure.StatusCode, null, failure);

    public static implicit operator ApiOutcome(PayPalFailure failure) => From(failure);

    public Results<JsonHttpResult<JsonNode>, JsonHttpResult<PayPalError>> ToResult() => failure is null
        ? TypedResults.Json(body!, PayPalJson.Wire, statusCode: statusCode)
        : TypedResults.Json(failure.Error, PayPalJson.Wire, statusCode: failure.StatusCode);
}
