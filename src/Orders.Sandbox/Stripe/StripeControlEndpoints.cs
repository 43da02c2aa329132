using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Sandbox.Template;

namespace Orders.Sandbox.Stripe;

// Test and chaos controls. Not Stripe's API: they do what a customer, Stripe's dashboard, a card
// network or a broken network would do, so tests can drive every path without a browser.
internal static class StripeControlEndpoints
{
    public static void MapStripeControls(this RouteGroupBuilder sandbox)
    {
        var sessions = sandbox.MapGroup("/sessions/{id}");
        sessions.MapPost("/pay", Pay);
        sessions.MapPost("/settle", Settle);
        sessions.MapPost("/expire", (string id, StripeSessions all) => Session(all.Expire(id), all));
        sessions.MapPost("/refund", Refund);
        sessions.MapPost("/dispute", (string id, StripeSessions all) => Answer(all.OpenDispute(id)));
        sessions.MapPost("/dispute/close", CloseDispute);
        sandbox.MapEventSend<StripeSandboxOptions>();
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
        return TypedResults.Json(json, SandboxJson.Stripe);
    }

    private static JsonHttpResult<JsonObject> Settle(string id, [FromQuery] string? outcome, StripeSessions sessions)
    {
        if (outcome is not ("succeeded" or "failed"))
        {
            return StripeErrors.Invalid("outcome", "outcome must be succeeded or failed.").ToResult();
        }
        return Session(sessions.Settle(id, outcome == "succeeded"), sessions);
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

    private static JsonHttpResult<JsonObject> Session((StripeSession? Session, StripeFailure? Failure) outcome, StripeSessions sessions) =>
        outcome.Failure is not null ? outcome.Failure.ToResult() : TypedResults.Json(sessions.Render(outcome.Session!), SandboxJson.Stripe);

    private static JsonHttpResult<JsonObject> Answer((JsonObject? Body, StripeFailure? Failure) outcome) =>
        outcome.Failure is not null ? outcome.Failure.ToResult() : TypedResults.Json(outcome.Body!, SandboxJson.Stripe);
}
