using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Orders.Sandbox.Stripe;

// Stripe's REST API as Stripe.net calls it through its ApiBase: form-encoded requests in bracket
// notation, JSON answers, Stripe's error shape, Bearer secret key, Idempotency-Key replays.
internal static class StripeApiEndpoints
{
    private static readonly HashSet<string> RefundReasons = ["duplicate", "fraudulent", "requested_by_customer"];

    public static void MapStripeApi(this RouteGroupBuilder sandbox)
    {
        var api = sandbox.MapGroup("/v1")
            .AddEndpointFilter<StripeRequestIdFilter>()
            .AddEndpointFilter<StripeFailApiCallsFilter>()
            .AddEndpointFilter<StripeSecretKeyFilter>()
            // Forms are read by hand; the host's antiforgery must not apply to a stand-in for another site.
            .DisableAntiforgery();

        api.MapPost("/checkout/sessions", CreateSession);
        api.MapGet("/checkout/sessions/{id}", (string id, StripeSessions sessions) => sessions.Find(id) is { } session
            ? Ok(sessions.Render(session))
            : StripeErrors.NoSuch("checkout.session", id, "session").ToResult());
        api.MapPost("/checkout/sessions/{id}/expire", ExpireSession);
        api.MapPost("/refunds", CreateRefund);
        api.MapGet("/refunds", ListRefunds);
        api.MapGet("/refunds/{id}", (string id, StripeSessions sessions) => sessions.GetRefund(id) is ({ } refund, _)
            ? Ok(refund)
            : StripeErrors.NoSuch("refund", id, "id").ToResult());
        // Any other path or method: a catch-all has the lowest precedence, so it only gets what nothing else matched.
        api.Map("/{**path}", (string? path, HttpRequest request) => StripeErrors.UnrecognizedUrl(request.Method, "/v1/" + path).ToResult());
    }

    private static async Task<JsonHttpResult<JsonObject>> CreateSession(
        HttpContext context, StripeSessions sessions, StripeIdempotency idempotency, TimeProvider time, CancellationToken cancellationToken)
    {
        var (form, canonical, failure) = await ReadFormAsync(context.Request, cancellationToken);
        if (failure is not null)
        {
            return failure.ToResult();
        }
        return Answer(context, idempotency, "POST /v1/checkout/sessions", canonical, () =>
        {
            var (request, invalid) = StripeSessionValidator.Validate(form!, time.GetUtcNow());
            return invalid is not null
                ? (invalid.StatusCode, invalid.Body())
                : (StatusCodes.Status200OK, sessions.Render(sessions.Create(request!)));
        });
    }

    private static async Task<JsonHttpResult<JsonObject>> ExpireSession(
        string id, HttpContext context, StripeSessions sessions, StripeIdempotency idempotency, CancellationToken cancellationToken)
    {
        var (form, canonical, failure) = await ReadFormAsync(context.Request, cancellationToken);
        if (failure is not null)
        {
            return failure.ToResult();
        }
        if (form!.Names.FirstOrDefault(n => n != "expand") is { } unknown)
        {
            return StripeErrors.Unknown(unknown).ToResult();
        }
        return Answer(context, idempotency, $"POST /v1/checkout/sessions/{id}/expire", canonical, () =>
        {
            var (session, refused) = sessions.Expire(id, RequestInfo(context));
            return refused is not null ? (refused.StatusCode, refused.Body()) : (StatusCodes.Status200OK, sessions.Render(session!));
        });
    }

    private static async Task<JsonHttpResult<JsonObject>> CreateRefund(
        HttpContext context, StripeSessions sessions, StripeIdempotency idempotency, CancellationToken cancellationToken)
    {
        var (form, canonical, failure) = await ReadFormAsync(context.Request, cancellationToken);
        if (failure is not null)
        {
            return failure.ToResult();
        }
        if (form!.Names.FirstOrDefault(n => n is not ("payment_intent" or "charge" or "amount" or "reason" or "metadata" or "expand")) is { } unknown)
        {
            return StripeErrors.Unknown(unknown).ToResult();
        }
        var paymentIntent = Text(form, "payment_intent");
        var charge = Text(form, "charge");
        if (paymentIntent is null && charge is null)
        {
            return StripeErrors.Invalid("payment_intent", "One of `charge` or `payment_intent` is required.", "parameter_missing").ToResult();
        }
        if (paymentIntent is not null && charge is not null)
        {
            return StripeErrors.Invalid("charge", "You cannot specify both `charge` and `payment_intent`.", "parameters_exclusive").ToResult();
        }
        long? amount = null;
        if (Text(form, "amount") is { } amountText)
        {
            if (!long.TryParse(amountText, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed < 1)
            {
                return StripeErrors.InvalidInteger("amount", amountText).ToResult();
            }
            amount = parsed;
        }
        var reason = Text(form, "reason");
        if (reason is not null && !RefundReasons.Contains(reason))
        {
            return StripeErrors.Invalid("reason", "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer").ToResult();
        }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (form["metadata"] is { IsMap: true } map)
        {
            foreach (var key in map.Names)
            {
                metadata[key] = map[key]!.Value ?? "";
            }
        }
        var id = paymentIntent ?? charge!;
        var session = sessions.FindByPayment(id);
        var param = paymentIntent is not null ? "payment_intent" : "charge";
        if (session is null || !id.StartsWith(paymentIntent is not null ? "pi_" : "ch_", StringComparison.Ordinal))
        {
            return StripeErrors.NoSuch(param, id, param).ToResult();
        }
        return Answer(context, idempotency, "POST /v1/refunds", canonical, () =>
        {
            var (refund, refused) = sessions.Refund(session, amount, reason, metadata, RequestInfo(context));
            return refused is not null ? (refused.StatusCode, refused.Body()) : (StatusCodes.Status200OK, refund!);
        });
    }

    private static JsonHttpResult<JsonObject> ListRefunds(HttpRequest request, StripeSessions sessions)
    {
        var charge = request.Query["charge"].ToString();
        var paymentIntent = request.Query["payment_intent"].ToString();
        if (request.Query.Keys.FirstOrDefault(k => k is not ("charge" or "payment_intent" or "limit")) is { } unknown)
        {
            return StripeErrors.Unknown(unknown).ToResult();
        }
        var limitText = request.Query["limit"].ToString();
        var limit = 10;
        if (limitText.Length > 0 && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
        {
            return StripeErrors.Invalid("limit", "This value must be greater than or equal to 1 and less than or equal to 100.").ToResult();
        }
        if (charge.Length == 0 && paymentIntent.Length == 0)
        {
            // Listing every refund of the account is not something the sandbox needs to offer.
            return StripeErrors.Invalid("charge", "The local sandbox lists refunds of one charge or payment_intent only.").ToResult();
        }
        var session = sessions.FindByPayment(charge.Length > 0 ? charge : paymentIntent);
        var refunds = StripeSessions.Refunds(session).Take(limit);
        return Ok(StripeRepresentations.List(refunds, "/v1/refunds"));
    }

    // Runs a mutating request under its Idempotency-Key.
    private static JsonHttpResult<JsonObject> Answer(
        HttpContext context, StripeIdempotency idempotency, string scope, string canonical, Func<(int, JsonObject)> operation)
    {
        var key = context.Request.Headers["Idempotency-Key"].ToString();
        if (key.Length > StripeIdempotency.MaxKeyLength)
        {
            return StripeErrors.Invalid("Idempotency-Key", $"Idempotency keys can be at most {StripeIdempotency.MaxKeyLength} characters long.").ToResult();
        }
        var (status, body, replayed) = idempotency.Run(scope, key.Length == 0 ? null : key, canonical, operation);
        if (replayed)
        {
            context.Response.Headers["Idempotent-Replayed"] = "true";
        }
        if (key.Length > 0)
        {
            context.Response.Headers["Idempotency-Key"] = key;
        }
        return TypedResults.Json(body, StripeJson.Wire, statusCode: status);
    }

    private static async Task<(StripeParams? Form, string Canonical, StripeFailure? Failure)> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = await StripeForm.ReadBodyAsync(request, cancellationToken);
        if (body is null)
        {
            return (null, "", StripeErrors.TooLarge());
        }
        if (body.Length > 0 && !request.HasFormContentType)
        {
            return (null, "", StripeErrors.Malformed());
        }
        var (form, canonical, invalidName) = StripeForm.Parse(body);
        return invalidName is not null
            ? (null, "", StripeErrors.Invalid(invalidName, $"Invalid parameter: {invalidName}"))
            : (form, canonical, null);
    }

    private static StripeRequestInfo RequestInfo(HttpContext context) => new(
        context.Response.Headers["Request-Id"].ToString(),
        context.Request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } key ? key : null);

    private static string? Text(StripeParams node, string name) =>
        node[name] is { IsMap: false, Value: { Length: > 0 } value } ? value : null;

    private static JsonHttpResult<JsonObject> Ok(JsonObject body) => TypedResults.Json(body, StripeJson.Wire);
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

// FailApiCalls: Stripe is "down"; nothing is processed.
internal sealed class StripeFailApiCallsFilter(StripeSandboxKnobs knobs) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        knobs.Current.FailApiCalls ? StripeErrors.Internal().ToResult() : await next(context);
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
