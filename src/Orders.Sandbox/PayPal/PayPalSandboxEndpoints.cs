using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Orders.Sandbox.PayPal;

internal sealed record PayPalTokenResponse(string Scope, string AccessToken, string TokenType, string AppId, int ExpiresIn, string Nonce);

internal sealed record OAuthError(string Error, string ErrorDescription);

internal sealed record VerificationResult(string VerificationStatus);

// PayPal's REST API as the production adapter calls it (PROVIDERS.md 1.2–1.8).
internal static class PayPalSandboxEndpoints
{
    private const string Scopes =
        "https://uri.paypal.com/services/payments/payment/authcapture https://uri.paypal.com/services/payments/refund "
        + "https://uri.paypal.com/services/applications/webhooks https://uri.paypal.com/services/payments/orders/client-side-integration";

    private static readonly string[] VerificationFields = ["auth_algo", "cert_url", "transmission_id", "transmission_sig", "transmission_time", "webhook_id"];

    public static void MapPayPalApi(this RouteGroupBuilder sandbox)
    {
        sandbox.MapPost("/v1/oauth2/token", IssueToken)
            .AddEndpointFilter<FailApiCallsFilter>()
            .DisableAntiforgery();

        // The certificate URL is fetched by webhook receivers without a token, as at PayPal.
        sandbox.MapGet("/v1/notifications/certs/{certId}", GetCertificate);

        var api = sandbox.MapGroup("")
            .AddEndpointFilter<FailApiCallsFilter>()
            .AddEndpointFilter<BearerTokenFilter>();

        api.MapPost("/v2/checkout/orders", CreateOrder);
        api.MapGet("/v2/checkout/orders/{orderId}", (string orderId, SandboxOrders orders) => orders.Get(orderId).ToResult());
        api.MapPost("/v2/checkout/orders/{orderId}/capture", CaptureOrder);
        api.MapGet("/v2/payments/captures/{captureId}", (string captureId, SandboxOrders orders) => orders.GetCapture(captureId).ToResult());
        api.MapPost("/v2/payments/captures/{captureId}/refund", RefundCapture);
        api.MapGet("/v2/payments/refunds/{refundId}", (string refundId, SandboxOrders orders) => orders.GetRefund(refundId).ToResult());

        api.MapPost("/v1/notifications/verify-webhook-signature", VerifyWebhookSignature);
        api.MapGet("/v1/notifications/webhooks-events/{eventId}", GetEvent);
        api.MapPost("/v1/notifications/webhooks-events/{eventId}/resend", ResendEvent);

        // Any other API path or method (catch-alls have the lowest precedence).
        api.Map("/v1/{**path}", () => ApiOutcome.From(PayPalErrors.NoSuchPath()).ToResult());
        api.Map("/v2/{**path}", () => ApiOutcome.From(PayPalErrors.NoSuchPath()).ToResult());
    }

    private static async Task<Results<JsonHttpResult<PayPalTokenResponse>, JsonHttpResult<OAuthError>>> IssueToken(
        HttpRequest request, PayPalAccessTokens tokens, PayPalSandboxAccounts accounts, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!tokens.AreClientCredentials(request.Headers[HeaderNames.Authorization]))
        {
            return TypedResults.Json(new OAuthError("invalid_client", "Client Authentication failed"), PayPalJson.Wire, statusCode: StatusCodes.Status401Unauthorized);
        }
        // Read by hand: a form-bound parameter would make the host's antiforgery check this endpoint.
        var grantType = request.HasFormContentType
            ? (await request.ReadFormAsync(cancellationToken))["grant_type"].ToString()
            : "";
        if (grantType != "client_credentials")
        {
            var description = grantType.Length == 0 ? "Grant Type is NULL" : "Grant Type is not supported";
            return TypedResults.Json(new OAuthError("unsupported_grant_type", description), PayPalJson.Wire, statusCode: StatusCodes.Status400BadRequest);
        }
        var (token, expiresIn) = tokens.Issue();
        return TypedResults.Json(
            new PayPalTokenResponse(Scopes, token, "Bearer", accounts.AppId, expiresIn, SandboxIds.Nonce(time.GetUtcNow())),
            PayPalJson.Wire);
    }

    private static async Task<Results<JsonHttpResult<JsonNode>, JsonHttpResult<PayPalError>>> CreateOrder(
        HttpRequest request,
        [FromHeader(Name = "PayPal-Request-Id")] string? requestId,
        [FromHeader(Name = "Prefer")] string? prefer,
        SandboxOrders orders,
        CancellationToken cancellationToken)
    {
        requestId = NullIfEmpty(requestId);
        if (PayPalRequestBody.CheckRequestId(requestId) is { } badId)
        {
            return ApiOutcome.From(badId).ToResult();
        }
        var (body, failure) = await PayPalRequestBody.ReadAsync(request, allowEmpty: false, "orders/v2", cancellationToken);
        return failure is not null
            ? ApiOutcome.From(failure).ToResult()
            : orders.Create(body, requestId, PayPalRequestBody.WantsRepresentation(prefer)).ToResult();
    }

    private static async Task<Results<JsonHttpResult<JsonNode>, JsonHttpResult<PayPalError>>> CaptureOrder(
        string orderId,
        HttpRequest request,
        [FromHeader(Name = "PayPal-Request-Id")] string? requestId,
        [FromHeader(Name = "Prefer")] string? prefer,
        SandboxOrders orders,
        CancellationToken cancellationToken)
    {
        requestId = NullIfEmpty(requestId);
        if (PayPalRequestBody.CheckRequestId(requestId) is { } badId)
        {
            return ApiOutcome.From(badId).ToResult();
        }
        // The body may be empty or {}; its content is not needed for a PayPal-wallet capture.
        var (_, failure) = await PayPalRequestBody.ReadAsync(request, allowEmpty: true, "orders/v2", cancellationToken);
        return failure is not null
            ? ApiOutcome.From(failure).ToResult()
            : orders.Capture(orderId, requestId, PayPalRequestBody.WantsRepresentation(prefer)).ToResult();
    }

    private static async Task<Results<JsonHttpResult<JsonNode>, JsonHttpResult<PayPalError>>> RefundCapture(
        string captureId,
        HttpRequest request,
        [FromHeader(Name = "PayPal-Request-Id")] string? requestId,
        [FromHeader(Name = "Prefer")] string? prefer,
        SandboxOrders orders,
        CancellationToken cancellationToken)
    {
        requestId = NullIfEmpty(requestId);
        if (PayPalRequestBody.CheckRequestId(requestId) is { } badId)
        {
            return ApiOutcome.From(badId).ToResult();
        }
        var (body, failure) = await PayPalRequestBody.ReadAsync(request, allowEmpty: true, "payments/v2", cancellationToken);
        return failure is not null
            ? ApiOutcome.From(failure).ToResult()
            : orders.Refund(captureId, body, requestId, PayPalRequestBody.WantsRepresentation(prefer)).ToResult();
    }

    private static Results<ContentHttpResult, JsonHttpResult<PayPalError>> GetCertificate(string certId, PayPalWebhookSigner signer) =>
        certId == signer.CertId
            ? TypedResults.Text(signer.CertificatePem, "application/x-pem-file")
            : TypedResults.Json(PayPalErrors.NotFound("cert_id", certId, "webhooks/v1").Error, PayPalJson.Wire, statusCode: StatusCodes.Status404NotFound);

    // PayPal's postback check (option A). The event is checked as the exact bytes the caller sent
    // inside webhook_event, which is how PayPal says it must be passed.
    private static async Task<Results<JsonHttpResult<VerificationResult>, JsonHttpResult<PayPalError>>> VerifyWebhookSignature(
        HttpRequest request, PayPalWebhookSigner signer, CancellationToken cancellationToken)
    {
        var bytes = await PayPalRequestBody.ReadBytesAsync(request, cancellationToken);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, PayPalJson.Strict);
        }
        catch (JsonException)
        {
            return TypedResults.Json(PayPalErrors.MalformedJson("webhooks/v1").Error, PayPalJson.Wire, statusCode: StatusCodes.Status400BadRequest);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return TypedResults.Json(PayPalErrors.MalformedJson("webhooks/v1").Error, PayPalJson.Wire, statusCode: StatusCodes.Status400BadRequest);
            }
            var values = VerificationFields.ToDictionary(f => f, f => root.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null);
            var missing = values.Where(p => p.Value is null).Select(p => PayPalErrors.Issue("MISSING_REQUIRED_PARAMETER", "/" + p.Key)).ToList();
            if (!root.TryGetProperty("webhook_event", out var webhookEvent) || webhookEvent.ValueKind != JsonValueKind.Object)
            {
                missing.Add(PayPalErrors.Issue("MISSING_REQUIRED_PARAMETER", "/webhook_event"));
            }
            if (missing.Count > 0)
            {
                return TypedResults.Json(PayPalErrors.InvalidRequest(missing, "webhooks/v1").Error, PayPalJson.Wire, statusCode: StatusCodes.Status400BadRequest);
            }
            var verified = values["auth_algo"] == PayPalWebhookSigner.AuthAlgorithm
                && values["cert_url"] == signer.CertUrl
                && signer.Verify(values["transmission_id"]!, values["transmission_time"]!, values["webhook_id"]!, JsonMarshal.GetRawUtf8Value(webhookEvent), values["transmission_sig"]!);
            return TypedResults.Json(new VerificationResult(verified ? "SUCCESS" : "FAILURE"), PayPalJson.Wire);
        }
    }

    private static Results<ContentHttpResult, JsonHttpResult<PayPalError>> GetEvent(string eventId, WebhookOutbox outbox) =>
        outbox.Find(eventId) is { } stored
            ? TypedResults.Text(System.Text.Encoding.UTF8.GetString(stored.Body), "application/json")
            : TypedResults.Json(PayPalErrors.NotFound("event_id", eventId, "webhooks/v1").Error, PayPalJson.Wire, statusCode: StatusCodes.Status404NotFound);

    private static Results<ContentHttpResult, JsonHttpResult<PayPalError>> ResendEvent(string eventId, WebhookOutbox outbox)
    {
        if (outbox.Find(eventId) is not { } stored)
        {
            return TypedResults.Json(PayPalErrors.NotFound("event_id", eventId, "webhooks/v1").Error, PayPalJson.Wire, statusCode: StatusCodes.Status404NotFound);
        }
        outbox.Enqueue(stored);
        return TypedResults.Text(System.Text.Encoding.UTF8.GetString(stored.Body), "application/json", statusCode: StatusCodes.Status202Accepted);
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
