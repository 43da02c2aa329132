using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.PayPal;

internal sealed record ApprovalResponse(string Id, string Status, string? ReturnUrl);

internal sealed record QueuedEvent(string Id);

// Test and chaos controls. Not part of PayPal's API: they do what a buyer, PayPal's risk team or a
// broken network would do, so tests can drive every path without a browser.
internal static class SandboxControlEndpoints
{
    public static void MapSandboxControls(this RouteGroupBuilder sandbox)
    {
        sandbox.MapPost("/orders/{orderId}/approve", Approve);
        sandbox.MapPost("/captures/{captureId}/reverse", (string captureId, SandboxOrders orders) => orders.Reverse(captureId).ToResult());
        sandbox.MapPost("/captures/{captureId}/complete", (string captureId, SandboxOrders orders) => orders.Settle(captureId, complete: true).ToResult());
        sandbox.MapPost("/captures/{captureId}/deny", (string captureId, SandboxOrders orders) => orders.Settle(captureId, complete: false).ToResult());
        sandbox.MapPost("/_webhooks/send", SendEvent);
        sandbox.MapGet("/_webhooks", ListDeliveries);
        sandbox.MapGet("/_settings", (PayPalSandboxKnobs knobs) => TypedResults.Json(knobs.Current, PayPalJson.Control));
        sandbox.MapPost("/_settings", ReplaceSettings);
    }

    private static Results<JsonHttpResult<ApprovalResponse>, JsonHttpResult<PayPalError>> Approve(
        string orderId, [FromQuery] string? captureStatus, SandboxOrders orders)
    {
        captureStatus ??= "COMPLETED";
        if (!SandboxOrders.CaptureOutcomes.Contains(captureStatus, StringComparer.Ordinal))
        {
            var failure = PayPalErrors.InvalidRequest([PayPalErrors.Issue("INVALID_PARAMETER_VALUE", "captureStatus", captureStatus, "query")]);
            return TypedResults.Json(failure.Error, PayPalJson.Wire, statusCode: failure.StatusCode);
        }
        var (approval, refused) = orders.Approve(orderId, captureStatus);
        return refused is not null
            ? TypedResults.Json(refused.Error, PayPalJson.Wire, statusCode: refused.StatusCode)
            : TypedResults.Json(new ApprovalResponse(approval!.Id, approval.Status, approval.ReturnUrl), PayPalJson.Control);
    }

    // Signs and delivers the posted bytes as they are, so tests control every byte of an event;
    // only a missing id or create_time is filled in (which means re-serializing).
    private static async Task<Results<JsonHttpResult<QueuedEvent>, ValidationProblem>> SendEvent(
        HttpRequest request, WebhookOutbox outbox, TimeProvider time, CancellationToken cancellationToken)
    {
        var bytes = await PayPalRequestBody.ReadBytesAsync(request, cancellationToken);
        JsonObject? webhookEvent;
        try
        {
            webhookEvent = JsonNode.Parse(bytes, documentOptions: PayPalJson.Strict) as JsonObject;
        }
        catch (JsonException)
        {
            webhookEvent = null;
        }
        if (webhookEvent is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Send a webhook event as a JSON object."] });
        }
        var id = webhookEvent["id"]?.GetValueKind() == JsonValueKind.String ? webhookEvent["id"]!.GetValue<string>() : null;
        var eventType = webhookEvent["event_type"]?.GetValueKind() == JsonValueKind.String ? webhookEvent["event_type"]!.GetValue<string>() : "(none)";
        if (id is null || webhookEvent["create_time"] is null)
        {
            var completed = new JsonObject
            {
                ["id"] = id ?? SandboxIds.Event(),
                ["create_time"] = webhookEvent["create_time"]?.DeepClone() ?? PayPalJson.Time(time.GetUtcNow()),
            };
            foreach (var (name, value) in webhookEvent)
            {
                if (name is not ("id" or "create_time"))
                {
                    completed[name] = value?.DeepClone();
                }
            }
            id = completed["id"]!.GetValue<string>();
            bytes = JsonSerializer.SerializeToUtf8Bytes(completed, PayPalJson.Wire);
        }
        outbox.Enqueue(new StoredEvent(id, eventType, bytes));
        return TypedResults.Json(new QueuedEvent(id), PayPalJson.Control, statusCode: StatusCodes.Status202Accepted);
    }

    private static JsonHttpResult<IReadOnlyList<WebhookDeliveryView>> ListDeliveries(
        [FromQuery] string? eventId, [FromQuery] string? eventType, WebhookOutbox outbox) =>
        TypedResults.Json(outbox.List(eventId, eventType), PayPalJson.Control);

    // Replaces all four knobs; a field left out goes back to off / 0.
    private static async Task<Results<JsonHttpResult<SandboxKnobs>, ValidationProblem>> ReplaceSettings(
        HttpRequest request, PayPalSandboxKnobs knobs, CancellationToken cancellationToken)
    {
        SandboxKnobs? replacement;
        try
        {
            replacement = await JsonSerializer.DeserializeAsync<SandboxKnobs>(request.Body, PayPalJson.Control, cancellationToken);
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
        return TypedResults.Json(replacement, PayPalJson.Control);
    }
}
