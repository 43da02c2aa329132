using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.Stripe;

internal sealed record StripeQueuedEvent(string Id);

// Test and chaos controls. Not Stripe's API: they do what a customer, Stripe's dashboard, a card
// network or a broken network would do, so tests can drive every path without a browser.
internal static class StripeControlEndpoints
{
    public static void MapStripeControls(this RouteGroupBuilder sandbox)
    {
        var sessions = sandbox.MapGroup("/sessions/{id}");
        sessions.MapPost("/pay", Pay);
        sessions.MapPost("/settle", Settle);
        sessions.MapPost("/expire", Expire);
        sessions.MapPost("/refund", Refund);
        sessions.MapPost("/dispute", (string id, StripeSessions all) => Answer(all.OpenDispute(id)));
        sessions.MapPost("/dispute/close", CloseDispute);
        sandbox.MapPost("/_webhooks/send", SendEvent);
        sandbox.MapGet("/_webhooks", ListDeliveries);
        sandbox.MapGet("/_settings", (StripeSandboxKnobs knobs) => TypedResults.Json(knobs.Current, StripeJson.Control));
        sandbox.MapPost("/_settings", ReplaceSettings);
    }

    // What Pay on the hosted page does (delayed=true: a payment method that settles later).
    private static JsonHttpResult<JsonObject> Pay(string id, [FromQuery] bool? delayed, StripeSessions sessions)
    {
        var (session, failure) = sessions.Pay(id, delayed ?? false);
        if (failure is not null)
        {
            return failure.ToResult();
        }
        var json = sessions.Render(session!);
        json["success_url"] = StripeCheckoutPage.SuccessUrl(session!);
        return TypedResults.Json(json, StripeJson.Wire);
    }

    private static JsonHttpResult<JsonObject> Settle(string id, [FromQuery] string? outcome, StripeSessions sessions)
    {
        if (outcome is not ("succeeded" or "failed"))
        {
            return StripeErrors.Invalid("outcome", "outcome must be succeeded or failed.").ToResult();
        }
        var (session, failure) = sessions.Settle(id, outcome == "succeeded");
        return failure is not null ? failure.ToResult() : TypedResults.Json(sessions.Render(session!), StripeJson.Wire);
    }

    // Stripe expiring the session (at expires_at, or through the API's /expire).
    private static JsonHttpResult<JsonObject> Expire(string id, StripeSessions sessions)
    {
        var (session, failure) = sessions.Expire(id);
        return failure is not null ? failure.ToResult() : TypedResults.Json(sessions.Render(session!), StripeJson.Wire);
    }

    // A refund made in Stripe's dashboard: all that is left, or ?amount= in minor units.
    private static JsonHttpResult<JsonObject> Refund(string id, [FromQuery] string? amount, StripeSessions sessions)
    {
        if (sessions.Find(id) is not { } session)
        {
            return StripeErrors.NoSuch("checkout.session", id, "session").ToResult();
        }
        long? value = null;
        if (amount is not null)
        {
            if (!long.TryParse(amount, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed < 1)
            {
                return StripeErrors.InvalidInteger("amount", amount).ToResult();
            }
            value = parsed;
        }
        return Answer(sessions.Refund(session, value, "requested_by_customer", new Dictionary<string, string>(), request: null));
    }

    private static JsonHttpResult<JsonObject> CloseDispute(string id, [FromQuery] string? outcome, StripeSessions sessions) =>
        outcome is "lost" or "won"
            ? Answer(sessions.CloseDispute(id, outcome))
            : StripeErrors.Invalid("outcome", "outcome must be lost or won.").ToResult();

    // Signs and delivers the posted bytes as they are, so tests control every byte of an event;
    // only a missing id, object, created or api_version is filled in (which means re-serializing).
    private static async Task<Results<JsonHttpResult<StripeQueuedEvent>, ValidationProblem>> SendEvent(
        HttpRequest request, StripeWebhookOutbox outbox, IOptions<StripeSandboxOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var bytes = buffer.ToArray();
        JsonObject? stripeEvent;
        try
        {
            stripeEvent = JsonNode.Parse(bytes, documentOptions: StripeJson.Strict) as JsonObject;
        }
        catch (JsonException)
        {
            stripeEvent = null;
        }
        if (stripeEvent is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send a Stripe event as a JSON object."] });
        }
        string? Text(string name) => stripeEvent[name]?.GetValueKind() == JsonValueKind.String ? stripeEvent[name]!.GetValue<string>() : null;
        var type = Text("type") ?? "(none)";
        if (Text("id") is null || stripeEvent["object"] is null || stripeEvent["created"] is null || stripeEvent["api_version"] is null)
        {
            var completed = new JsonObject
            {
                ["id"] = Text("id") ?? StripeIds.Event(),
                ["object"] = stripeEvent["object"]?.DeepClone() ?? "event",
                ["api_version"] = stripeEvent["api_version"]?.DeepClone() ?? options.Value.ApiVersion ?? StripeSandboxOptions.DefaultApiVersion,
                ["created"] = stripeEvent["created"]?.DeepClone() ?? StripeJson.Unix(time.GetUtcNow()),
            };
            foreach (var (name, value) in stripeEvent)
            {
                if (name is not ("id" or "object" or "api_version" or "created"))
                {
                    completed[name] = value?.DeepClone();
                }
            }
            stripeEvent = completed;
            bytes = JsonSerializer.SerializeToUtf8Bytes(completed, StripeJson.Wire);
        }
        var id = Text("id") ?? stripeEvent["id"]!.GetValue<string>();
        outbox.Enqueue(new StripeStoredEvent(id, type, bytes));
        return TypedResults.Json(new StripeQueuedEvent(id), StripeJson.Control, statusCode: StatusCodes.Status202Accepted);
    }

    private static JsonHttpResult<IReadOnlyList<StripeDeliveryView>> ListDeliveries(
        [FromQuery] string? eventId, [FromQuery] string? eventType, StripeWebhookOutbox outbox) =>
        TypedResults.Json(outbox.List(eventId, eventType), StripeJson.Control);

    // Replaces all four knobs; a field left out goes back to off / 0.
    private static async Task<Results<JsonHttpResult<SandboxKnobs>, ValidationProblem>> ReplaceSettings(
        HttpRequest request, StripeSandboxKnobs knobs, CancellationToken cancellationToken)
    {
        SandboxKnobs? replacement;
        try
        {
            replacement = await JsonSerializer.DeserializeAsync<SandboxKnobs>(request.Body, StripeJson.Control, cancellationToken);
        }
        catch (JsonException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = [e.Message] });
        }
        if (replacement is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send the settings as a JSON object."] });
        }
        if (replacement.Problems() is { Count: > 0 } problems)
        {
            return TypedResults.ValidationProblem(problems);
        }
        knobs.Replace(replacement);
        return TypedResults.Json(replacement, StripeJson.Control);
    }

    private static JsonHttpResult<JsonObject> Answer((JsonObject? Body, StripeFailure? Failure) outcome) =>
        outcome.Failure is not null ? outcome.Failure.ToResult() : TypedResults.Json(outcome.Body!, StripeJson.Wire);
}
