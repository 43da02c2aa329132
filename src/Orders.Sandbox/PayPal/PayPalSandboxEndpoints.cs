using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Orders.Sandbox.Template;

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
        // The certificate URL is fetched by webhook receivers without a token, as at PayPal.
        sandbox.MapGet("/v1/notifications/certs/{certId}", (string certId, PayPalWebhookSigner signer) => certId == signer.CertId
            ? Results.Text(signer.CertificatePem, "application/x-pem-file")
            : PayPalErrors.NotFound("cert_id", certId, "webhooks/v1").ToResult());

        var api = sandbox.MapApiGroup<PayPalSandboxOptions>();
        api.MapPost("/v1/oauth2/token", IssueToken);

        // Every other call needs a valid, unexpired token from /v1/oauth2/token.
        var authed = api.MapGroup("").AddEndpointFilter(async (context, next) =>
            context.HttpContext.RequestServices.GetRequiredService<PayPalAccessTokens>().IsValidBearer(context.HttpContext.Request.Headers[HeaderNames.Authorization])
                ? await next(context)
                : PayPalErrors.AuthenticationFailure().ToResult());
        authed.MapPost("/v2/checkout/orders", (HttpRequest request, SandboxOrders orders, CancellationToken ct) =>
            Run(request, allowEmpty: false, "orders/v2", orders.Create, ct));
        authed.MapGet("/v2/checkout/orders/{orderId}", (string orderId, SandboxOrders orders) => orders.Get(orderId).ToResult());
        authed.MapPost("/v2/checkout/orders/{orderId}/capture", (string orderId, HttpRequest request, SandboxOrders orders, CancellationToken ct) =>
            // The body may be empty or {}; its content is not needed for a PayPal-wallet capture.
            Run(request, allowEmpty: true, "orders/v2", (_, requestId, representation) => orders.Capture(orderId, requestId, representation), ct));
        authed.MapGet("/v2/payments/captures/{captureId}", (string captureId, SandboxOrders orders) => orders.GetCapture(captureId).ToResult());
        authed.MapPost("/v2/payments/captures/{captureId}/refund", (string captureId, HttpRequest request, SandboxOrders orders, CancellationToken ct) =>
            Run(request, allowEmpty: true, "payments/v2", (body, requestId, representation) => orders.Refund(captureId, body, requestId, representation), ct));
        authed.MapGet("/v2/payments/refunds/{refundId}", (string refundId, SandboxOrders orders) => orders.GetRefund(refundId).ToResult());
        authed.MapPost("/v1/notifications/verify-webhook-signature", VerifyWebhookSignature);
        authed.MapGet("/v1/notifications/webhooks-events/{eventId}", (string eventId, Outbox<PayPalSandboxOptions> outbox) => Event(eventId, outbox, resend: false));
        authed.MapPost("/v1/notifications/webhooks-events/{eventId}/resend", (string eventId, Outbox<PayPalSandboxOptions> outbox) => Event(eventId, outbox, resend: true));
        authed.MapUnknownRoutes<PayPalSandboxOptions>("/v1", "/v2");
    }

    private static async Task<Results<JsonHttpResult<PayPalTokenResponse>, JsonHttpResult<OAuthError>>> IssueToken(
        HttpRequest request, PayPalAccessTokens tokens, PayPalSandboxAccounts accounts, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!tokens.AreClientCredentials(request.Headers[HeaderNames.Authorization]))
        {
            return TypedResults.Json(new OAuthError("invalid_client", "Client Authentication failed"), SandboxJson.PayPal, statusCode: StatusCodes.Status401Unauthorized);
        }
        // Read by hand: a form-bound parameter would make the host's antiforgery check this endpoint.
        var grantType = request.HasFormContentType ? (await request.ReadFormAsync(cancellationToken))["grant_type"].ToString() : "";
        if (grantType != "client_credentials")
        {
            var description = grantType.Length == 0 ? "Grant Type is NULL" : "Grant Type is not supported";
            return TypedResults.Json(new OAuthError("unsupported_grant_type", description), SandboxJson.PayPal, statusCode: StatusCodes.Status400BadRequest);
        }
        var (token, expiresIn) = tokens.Issue();
        return TypedResults.Json(new PayPalTokenResponse(Scopes, token, "Bearer", accounts.AppId, expiresIn, SandboxIds.Nonce(time.GetUtcNow())), SandboxJson.PayPal);
    }

    // A mutating call: PayPal-Request-Id (replays), Prefer (return=representation; minimal is
    // PayPal's default) and a JSON body (empty counts as "no body" where the API allows one).
    private static async Task<Results<JsonHttpResult<JsonNode>, JsonHttpResult<PayPalError>>> Run(
        HttpRequest request, bool allowEmpty, string api, Func<JsonNode?, string?, bool, ApiOutcome> operation, CancellationToken cancellationToken)
    {
        var requestId = request.Headers["PayPal-Request-Id"].ToString() is { Length: > 0 } id ? id : null;
        if (requestId is { Length: > SandboxOrders.MaxRequestIdLength })
        {
            return PayPalErrors.InvalidRequest([PayPalErrors.Issue("INVALID_STRING_LENGTH", "PayPal-Request-Id", null, "header")]).ToResult();
        }
        var representation = request.Headers["Prefer"].ToString().Contains("return=representation", StringComparison.OrdinalIgnoreCase);
        var bytes = await SandboxJson.ReadBodyAsync(request, cancellationToken);
        if (bytes is { Length: 0 })
        {
            return allowEmpty ? operation(null, requestId, representation).ToResult() : PayPalErrors.MalformedJson(api).ToResult();
        }
        if (!request.HasJsonContentType())
        {
            return PayPalErrors.UnsupportedMediaType().ToResult();
        }
        try
        {
            return bytes is null
                ? PayPalErrors.MalformedJson(api).ToResult()
                : operation(JsonNode.Parse(bytes, documentOptions: SandboxJson.Strict), requestId, representation).ToResult();
        }
        catch (JsonException)
        {
            return PayPalErrors.MalformedJson(api).ToResult();
        }
    }

    // PayPal's postback check (option A). The event is checked as the exact bytes the caller sent
    // inside webhook_event, which is how PayPal says it must be passed.
    private static async Task<Results<JsonHttpResult<VerificationResult>, JsonHttpResult<PayPalError>>> VerifyWebhookSignature(
        HttpRequest request, PayPalWebhookSigner signer, CancellationToken cancellationToken)
    {
        var bytes = await SandboxJson.ReadBodyAsync(request, cancellationToken);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes ?? [], SandboxJson.Strict);
        }
        catch (JsonException)
        {
            return PayPalErrors.MalformedJson("webhooks/v1").ToResult();
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return PayPalErrors.MalformedJson("webhooks/v1").ToResult();
            }
            var values = VerificationFields.ToDictionary(f => f, f => root.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null);
            var missing = values.Where(p => p.Value is null).Select(p => PayPalErrors.Issue("MISSING_REQUIRED_PARAMETER", "/" + p.Key)).ToList();
            if (!root.TryGetProperty("webhook_event", out var webhookEvent) || webhookEvent.ValueKind != JsonValueKind.Object)
            {
                missing.Add(PayPalErrors.Issue("MISSING_REQUIRED_PARAMETER", "/webhook_event"));
            }
            if (missing.Count > 0)
            {
                return PayPalErrors.InvalidRequest(missing, "webhooks/v1").ToResult();
            }
            var verified = values["auth_algo"] == PayPalWebhookSigner.AuthAlgorithm
                && values["cert_url"] == signer.CertUrl
                && signer.Verify(values["transmission_id"]!, values["transmission_time"]!, values["webhook_id"]!, JsonMarshal.GetRawUtf8Value(webhookEvent), values["transmission_sig"]!);
            return TypedResults.Json(new VerificationResult(verified ? "SUCCESS" : "FAILURE"), SandboxJson.PayPal);
        }
    }

    // A stored event, as sent; resend delivers it again.
    private static Results<ContentHttpResult, JsonHttpResult<PayPalError>> Event(string eventId, Outbox<PayPalSandboxOptions> outbox, bool resend)
    {
        if (outbox.Find(eventId) is not { } stored)
        {
            return PayPalErrors.NotFound("event_id", eventId, "webhooks/v1").ToResult();
        }
        if (resend)
        {
            outbox.Enqueue(stored);
        }
        return TypedResults.Text(System.Text.Encoding.UTF8.GetString(stored.Body), "application/json", statusCode: resend ? StatusCodes.Status202Accepted : StatusCodes.Status200OK);
    }
}
