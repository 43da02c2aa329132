using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Orders.Sandbox.Template;

namespace Orders.Sandbox.Stripe;

// Stripe's part of the template: webhooks with a Stripe-Signature made for each attempt (a fresh
// timestamp, recorded as the attempt's mark; during a secret roll signed with both secrets),
// errors in Stripe's shape.
internal sealed class StripeProfile(IOptions<StripeSandboxOptions> options, SandboxUrls<StripeSandboxOptions> urls, TimeProvider time)
    : JsonWebhookProfile<StripeSandboxOptions>(options, urls, Identity, "Sandbox:Stripe", "/webhooks/stripe", "lastTimestamp")
{
    private static readonly SandboxIdentity Identity = new("Stripe", "the real Stripe account (Stripe:SecretKey, Stripe:WebhookSecret)",
        SandboxExtensions.StripeClientName, new PageTheme("stripe", "Sandbox", "#635bff", "#635bff", "#5146e0", "#f6f9fc"));

    public override (string Name, Func<JsonNode> Value)[] RequiredEventFields =>
        [("id", () => StripeIds.Event()), ("object", () => "event"), ("api_version", () => ApiVersion), ("created", () => time.GetUtcNow().ToUnixTimeSeconds())];

    public override string TypeField => "type";

    public override JsonSerializerOptions Wire => SandboxJson.Stripe;

    public string ApiVersion => Options.ApiVersion ?? StripeSandboxOptions.DefaultApiVersion;

    // The hosted payment page, like https://checkout.stripe.com/c/pay/cs_test_…
    public string PayPage(string sessionId) => $"{Urls.Base}/c/pay/{Uri.EscapeDataString(sessionId)}";

    public override IResult NotFound(HttpRequest request) =>
        StripeErrors.UnrecognizedUrl(request.Method, request.Path.Value![Urls.Prefix.Length..]).ToResult();

    public override IResult Unavailable() => StripeErrors.Internal().ToResult();

    public override string? Shape(HttpRequestMessage request, SignedMessage message)
    {
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        string[] secrets = Options.PreviousWebhookSecret is { Length: > 0 } previous ? [Options.WebhookSecret, previous] : [Options.WebhookSecret];
        request.Content = new ByteArrayContent(message.Body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(StripeWebhookSigner.HeaderName, StripeWebhookSigner.Header(message.Body, timestamp, secrets));
        request.Headers.TryAddWithoutValidation("User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)");
        request.Headers.Accept.ParseAdd("*/*; q=0.5, application/xml");
        return timestamp.ToString(CultureInfo.InvariantCulture);
    }

    protected override JsonNode Mark(string mark) => long.Parse(mark, CultureInfo.InvariantCulture);

    // An event about this object, serialized once as the message that carries it.
    public SignedMessage Event(string type, JsonObject dataObject, StripeRequestInfo? request = null)
    {
        var id = StripeIds.Event();
        var json = new EventJson(id, "event", ApiVersion, time.GetUtcNow().ToUnixTimeSeconds(), new EventData(dataObject), Livemode: false,
            PendingWebhooks: 1, new EventRequest(request?.RequestId, request?.IdempotencyKey), type);
        return Message(id, type, JsonSerializer.SerializeToUtf8Bytes(json, SandboxJson.Stripe));
    }

    private sealed record EventData(JsonObject Object);

    private sealed record EventRequest(string? Id, string? IdempotencyKey);

    private sealed record EventJson(
        string Id, string Object, string ApiVersion, long Created, EventData Data, bool Livemode, int PendingWebhooks, EventRequest Request, string Type);
}
