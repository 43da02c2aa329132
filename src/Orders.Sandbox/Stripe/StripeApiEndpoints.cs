using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Orders.Sandbox.Template;

namespace Orders.Sandbox.Stripe;

// Stripe's REST API as Stripe.net calls it through its ApiBase: form-encoded requests in bracket
// notation, JSON answers, Stripe's error shape, Bearer secret key, Idempotency-Key replays.
internal static class StripeApiEndpoints
{
    private const int MaxKeyLength = 255;

    public static void MapStripeApi(this RouteGroupBuilder sandbox)
    {
        var api = sandbox.MapGroup("/v1")
            .AddEndpointFilter<StripeRequestIdFilter>()
            .MapApiGroup<StripeSandboxOptions>()
            .AddEndpointFilter<StripeSecretKeyFilter>();

        api.MapPost("/checkout/sessions", (HttpContext context, StripeSessions sessions, TimeProvider time) =>
            PostAsync(context, null, form => StripeSessionValidator.Validate(form, time.GetUtcNow()) is var (request, invalid) && invalid is null
                ? (sessions.Render(sessions.Create(request!)), null)
                : (null, invalid)));
        api.MapGet("/checkout/sessions/{id}", (string id, StripeSessions sessions) => sessions.Find(id) is { } session
            ? Ok(sessions.Render(session))
            : StripeErrors.NoSuch("checkout.session", id, "session").ToResult());
        api.MapPost("/checkout/sessions/{id}/expire", (string id, HttpContext context, StripeSessions sessions) =>
            PostAsync(context, ["expand"], _ => sessions.Expire(id, RequestInfo(context)) is var (session, refused) && refused is null
                ? (sessions.Render(session!), null)
                : (null, refused)));
        api.MapPost("/refunds", (HttpContext context, StripeSessions sessions) =>
            PostAsync(context, ["payment_intent", "charge", "amount", "reason", "metadata", "expand"], form => Refund(form, context, sessions)));
        api.MapGet("/refunds", ListRefunds);
        api.MapGet("/refunds/{id}", (string id, StripeSessions sessions) => sessions.GetRefund(id) is ({ } refund, _)
            ? Ok(refund)
            : StripeErrors.NoSuch("refund", id, "id").ToResult());
        api.MapUnknownRoutes<StripeSandboxOptions>("");
    }

    // POST /v1/refunds: payment_intent or charge, amount (default: what is left), reason, metadata.
    private static (JsonObject?, StripeFailure?) Refund(StripeParams form, HttpContext context, StripeSessions sessions)
    {
        var paymentIntent = StripeSessionValidator.Text(form, "payment_intent");
        var charge = StripeSessionValidator.Text(form, "charge");
        var amountText = StripeSessionValidator.Text(form, "amount");
        long? amount = amountText is null ? null : long.TryParse(amountText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= 1 ? parsed : -1;
        var reason = StripeSessionValidator.Text(form, "reason");
        var (id, param) = paymentIntent is not null ? (paymentIntent, "payment_intent") : (charge, "charge");
        var session = id is null ? null : sessions.FindByPayment(id);
        var failure = paymentIntent is null && charge is null ? StripeErrors.Invalid("payment_intent", "One of `charge` or `payment_intent` is required.", "parameter_missing")
            : paymentIntent is not null && charge is not null ? StripeErrors.Invalid("charge", "You cannot specify both `charge` and `payment_intent`.", "parameters_exclusive")
            : amount == -1 ? StripeErrors.InvalidInteger("amount", amountText!)
            : reason is not (null or "duplicate" or "fraudulent" or "requested_by_customer") ? StripeErrors.Invalid("reason", "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer")
            : session is null || !id!.StartsWith(paymentIntent is not null ? "pi_" : "ch_", StringComparison.Ordinal) ? StripeErrors.NoSuch(param, id!, param)
            : null;
        if (failure is not null)
        {
            return (null, failure);
        }
        var metadata = form["metadata"] is { IsMap: true } map ? map.Names.ToDictionary(k => k, k => map[k]!.Value ?? "", StringComparer.Ordinal) : [];
        return sessions.Refund(session!, amount, reason, metadata, RequestInfo(context));
    }

    private static JsonHttpResult<JsonObject> ListRefunds(HttpRequest request, StripeSessions sessions)
    {
        var charge = request.Query["charge"].ToString();
        var paymentIntent = request.Query["payment_intent"].ToString();
        var limitText = request.Query["limit"].ToString();
        var limit = limitText.Length == 0 ? 10 : int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        var failure = request.Query.Keys.FirstOrDefault(k => k is not ("charge" or "payment_intent" or "limit")) is { } unknown ? StripeErrors.Unknown(unknown)
            : limit is < 1 or > 100 ? StripeErrors.Invalid("limit", "This value must be greater than or equal to 1 and less than or equal to 100.")
            // Listing every refund of the account is not something the sandbox needs to offer.
            : charge.Length == 0 && paymentIntent.Length == 0 ? StripeErrors.Invalid("charge", "The local sandbox lists refunds of one charge or payment_intent only.")
            : null;
        return failure is not null
            ? failure.ToResult()
            : Ok(StripeRepresentations.List(StripeSessions.Refunds(sessions.FindByPayment(charge.Length > 0 ? charge : paymentIntent)).Take(limit), "/v1/refunds"));
    }

    // A mutating request: the form read (only these parameters when given), then the operation run
    // under its Idempotency-Key. Only results of requests that ran are kept, never refusals.
    private static async Task<JsonHttpResult<JsonObject>> PostAsync(
        HttpContext context, string[]? allowed, Func<StripeParams, (JsonObject? Body, StripeFailure? Failure)> operation)
    {
        var request = context.Request;
        var body = await StripeForm.ReadBodyAsync(request, context.RequestAborted);
        var (form, canonical, invalidName) = body is null ? (null, "", null) : StripeForm.Parse(body);
        var key = request.Headers["Idempotency-Key"].ToString();
        var failure = body is null ? StripeErrors.TooLarge()
            : body.Length > 0 && !request.HasFormContentType ? StripeErrors.Malformed()
            : invalidName is not null ? StripeErrors.Invalid(invalidName, $"Invalid parameter: {invalidName}")
            : allowed is not null && form!.Names.FirstOrDefault(n => !allowed.Contains(n)) is { } unknown ? StripeErrors.Unknown(unknown)
            : key.Length > MaxKeyLength ? StripeErrors.Invalid("Idempotency-Key", $"Idempotency keys can be at most {MaxKeyLength} characters long.")
            : null;
        if (failure is not null)
        {
            return failure.ToResult();
        }
        // A repeat with the same key and parameters gets the first answer again (Idempotent-Replayed:
        // true); the same key with other parameters is an idempotency_error. One request at a time.
        var (scope, idempotencyKey) = ($"{request.Method} {request.Path}", key.Length == 0 ? null : key);
        var store = context.RequestServices.GetRequiredService<StripeSessions>().Idempotency;
        var (status, answer, replayed) = store.Run(() =>
        {
            if (store.Find(scope, idempotencyKey) is { } entry)
            {
                return entry.Fingerprint == canonical ? (entry.StatusCode, entry.Body.AsObject(), true) : IdempotencyError(key);
            }
            var (done, refused) = operation(form!);
            var (code, json) = refused is null ? (StatusCodes.Status200OK, done!) : (refused.StatusCode, refused.Body());
            store.Remember(scope, idempotencyKey, code, json, canonical);
            return (code, json, false);
        });
        if (replayed)
        {
            context.Response.Headers["Idempotent-Replayed"] = "true";
        }
        if (key.Length > 0)
        {
            context.Response.Headers["Idempotency-Key"] = key;
        }
        return TypedResults.Json(answer, SandboxJson.Stripe, statusCode: status);
    }

    private static (int, JsonObject, bool) IdempotencyError(string key) =>
        (StripeErrors.IdempotencyMismatch(key).StatusCode, StripeErrors.IdempotencyMismatch(key).Body(), false);

    private static StripeRequestInfo RequestInfo(HttpContext context) => new(
        context.Response.Headers["Request-Id"].ToString(),
        context.Request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } key ? key : null);

    private static JsonHttpResult<JsonObject> Ok(JsonObject body) => TypedResults.Json(body, SandboxJson.Stripe);
}

// Every answer names its request, as Stripe's Request-Id header does.
internal sealed class StripeRequestIdFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        context.HttpContext.Response.Headers["Request-Id"] = StripeIds.Request();
        return next(context);
    }
}

// The secret key as Bearer token (what Stripe.net sends), or as the Basic user name with no password.
internal sealed class StripeSecretKeyFilter(Microsoft.Extensions.Options.IOptions<StripeSandboxOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var key = Key(context.HttpContext.Request.Headers[HeaderNames.Authorization].ToString());
        if (key is null)
        {
            return StripeErrors.NoApiKey().ToResult();
        }
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(options.Value.SecretKey))
            ? await next(context)
            : StripeErrors.InvalidApiKey(key).ToResult();
    }

    private static string? Key(string authorization)
    {
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization[7..].Trim() is { Length: > 0 } bearer ? bearer : null;
        }
        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization[6..].Trim()));
                var colon = decoded.IndexOf(':', StringComparison.Ordinal);
                return (colon < 0 ? decoded : decoded[..colon]) is { Length: > 0 } user ? user : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
        return null;
    }
}
