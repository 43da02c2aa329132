using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Sandbox.Template;

namespace Orders.Sandbox.PayPal;

internal sealed record ApprovalResponse(string Id, string Status, string? ReturnUrl);

// Test and chaos controls. Not part of PayPal's API: they do what a buyer, PayPal's risk team or a
// broken network would do, so tests can drive every path without a browser.
internal static class PayPalControls
{
    public static void MapPayPalControls(this RouteGroupBuilder sandbox)
    {
        sandbox.MapPost("/orders/{orderId}/approve", Approve);
        sandbox.MapPost("/captures/{captureId}/reverse", (string captureId, SandboxOrders orders) => orders.Reverse(captureId).ToResult());
        sandbox.MapPost("/captures/{captureId}/complete", (string captureId, SandboxOrders orders) => orders.Settle(captureId, complete: true).ToResult());
        sandbox.MapPost("/captures/{captureId}/deny", (string captureId, SandboxOrders orders) => orders.Settle(captureId, complete: false).ToResult());
        sandbox.MapEventSend<PayPalSandboxOptions>();
    }

    private static Results<JsonHttpResult<ApprovalResponse>, JsonHttpResult<PayPalError>> Approve(
        string orderId, [FromQuery] string? captureStatus, SandboxOrders orders)
    {
        captureStatus ??= "COMPLETED";
        if (!SandboxOrders.CaptureOutcomes.Contains(captureStatus, StringComparer.Ordinal))
        {
            return PayPalErrors.InvalidRequest([PayPalErrors.Issue("INVALID_PARAMETER_VALUE", "captureStatus", captureStatus, "query")]).ToResult();
        }
        var (approval, refused) = orders.Approve(orderId, captureStatus);
        return refused is not null
            ? refused.ToResult()
            : TypedResults.Json(new ApprovalResponse(approval!.Id, approval.Status, approval.ReturnUrl), SandboxJson.Control);
    }
}
