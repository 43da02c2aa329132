using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Orders.Sandbox.Template;

namespace Orders.Sandbox.PayPal;

// PayPal's part of the template: webhooks signed with PAYPAL-TRANSMISSION-* headers (a new
// transmission id each attempt, recorded as the attempt's mark), errors in PayPal's shape.
internal sealed class PayPalProfile(IOptions<PayPalSandboxOptions> options, SandboxUrls<PayPalSandboxOptions> urls, PayPalWebhookSigner signer, TimeProvider time)
    : JsonWebhookProfile<PayPalSandboxOptions>(options, urls, Identity, "Sandbox:PayPal", "/webhooks/paypal", "lastTransmissionId")
{
    private static readonly SandboxIdentity Identity = new("PayPal", "the real PayPal API", SandboxExtensions.PayPalClientName,
        new PageTheme("PayPal", "Sandbox", "#003087", "#0070ba", "#005ea6", "#f5f7fa"));

    public override (string Name, Func<JsonNode> Value)[] RequiredEventFields =>
        [("id", () => SandboxIds.Event()), ("create_time", () => PayPalJson.Time(time.GetUtcNow()))];

    public override string TypeField => "event_type";

    public override JsonSerializerOptions Wire => SandboxJson.PayPal;

    public override IResult NotFound(HttpRequest request) => PayPalErrors.NoSuchPath().ToResult();

    public override IResult Unavailable() => PayPalErrors.Internal().ToResult();

    public override string? Shape(HttpRequestMessage request, SignedMessage message)
    {
        request.Content = new ByteArrayContent(message.Body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var headers = signer.Sign(message.Body, Options.WebhookId);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        request.Headers.UserAgent.ParseAdd("PayPal/Orders.Sandbox");
        return headers["PAYPAL-TRANSMISSION-ID"];
    }

    // Builds a PayPal webhook event (PROVIDERS.md 1.8, "Event JSON") as the message that carries it.
    public SignedMessage Event(string eventType, string resourceType, string summary, JsonObject resource)
    {
        var id = SandboxIds.Event();
        var json = new EventJson(id, PayPalJson.Time(time.GetUtcNow()), resourceType, "1.0", "2.0", eventType, summary, resource,
            [new(Urls.Event(id), "self", "GET"), new(Urls.Event(id) + "/resend", "resend", "POST")]);
        return Message(id, eventType, JsonSerializer.SerializeToUtf8Bytes(json, SandboxJson.PayPal));
    }

    private sealed record EventJson(
        string Id, string CreateTime, string ResourceType, string EventVersion, string ResourceVersion, string EventType, string Summary,
        JsonObject Resource, PayPalLink[] Links);
}

internal static class PayPalJson
{
    // RFC 3339 UTC without fractions, the form PayPal uses in create_time and PAYPAL-TRANSMISSION-TIME.
    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static JsonObject Link(string href, string rel, string method) =>
        new() { ["href"] = href, ["rel"] = rel, ["method"] = method };

    public static void SetIfNotNull(this JsonObject target, string name, JsonNode? value)
    {
        if (value is not null)
        {
            target[name] = value;
        }
    }

    // Moves a property to the end, keeping PayPal's field order.
    public static void Move(this JsonObject target, string name)
    {
        if (target.Remove(name, out var value))
        {
            target[name] = value;
        }
    }

    public static string ApprovalUrl(this SandboxUrls<PayPalSandboxOptions> urls, string orderId) => $"{urls.Base}/checkoutnow?token={Uri.EscapeDataString(orderId)}";

    public static string Order(this SandboxUrls<PayPalSandboxOptions> urls, string orderId) => $"{urls.Base}/v2/checkout/orders/{orderId}";

    public static string Capture(this SandboxUrls<PayPalSandboxOptions> urls, string captureId) => $"{urls.Base}/v2/payments/captures/{captureId}";

    public static string Refund(this SandboxUrls<PayPalSandboxOptions> urls, string refundId) => $"{urls.Base}/v2/payments/refunds/{refundId}";

    public static string Event(this SandboxUrls<PayPalSandboxOptions> urls, string eventId) => $"{urls.Base}/v1/notifications/webhooks-events/{eventId}";
}
