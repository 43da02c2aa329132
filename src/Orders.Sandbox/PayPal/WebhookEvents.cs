using System.Text.Json.Nodes;

namespace Orders.Sandbox.PayPal;

// Builds PayPal webhook events (PROVIDERS.md 1.8, "Event JSON").
internal sealed class WebhookEvents(PayPalSandboxUrls urls, TimeProvider time)
{
    public JsonObject Create(string eventType, string resourceType, string summary, JsonObject resource)
    {
        var id = SandboxIds.Event();
        return new JsonObject
        {
            ["id"] = id,
            ["create_time"] = PayPalJson.Time(time.GetUtcNow()),
            ["resource_type"] = resourceType,
            ["event_version"] = "1.0",
            ["resource_version"] = "2.0",
            ["event_type"] = eventType,
            ["summary"] = summary,
            ["resource"] = resource,
            ["links"] = new JsonArray(
                PayPalJson.Link(urls.Event(id), "self", "GET"),
                PayPalJson.Link(urls.Event(id) + "/resend", "resend", "POST")),
        };
    }
}
