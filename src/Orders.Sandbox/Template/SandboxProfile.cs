using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Template;

// Who a stand-in is: its name ("PayPal", "2Checkout (Avangate)", "Stripe": logs, the group's tag, the
// Production refusal), what to configure instead of mapping it in Production, the named HttpClient
// that delivers (tests may replace its primary handler), and its page's look.
internal sealed record SandboxIdentity(string Name, string RealConfiguration, string ClientName, PageTheme Theme);

// What one provider's stand-in adds to the template: how a delivery is signed, shaped and judged,
// where it goes, how a delivery record reads, the provider's error shape, and its page's look.
// Everything else (outbox, delivery loop, knobs, control endpoints, options, URLs, layout) is shared.
internal abstract class SandboxProfile<TOptions>(IOptions<TOptions> options, SandboxUrls<TOptions> urls, SandboxIdentity identity)
    where TOptions : SandboxOptions
{
    protected TOptions Options => options.Value;

    protected SandboxUrls<TOptions> Urls => urls;

    public string Name => identity.Name;

    public string RealConfiguration => identity.RealConfiguration;

    public PageTheme Theme => identity.Theme;

    public string ClientName => identity.ClientName;

    // A path under the prefix as this request reaches it, for the hosted pages' own forms.
    public string LocalPath(HttpContext context, string path) => $"{context.Request.PathBase}{urls.Prefix}{path}";

    // "/_webhooks" or "/_notifications".
    public virtual string DeliveriesPath => "/_webhooks";

    // The JSON name of the drop knob in /_settings.
    public virtual string DropKnob => "dropWebhooks";

    // The query parameters GET {DeliveriesPath} filters by (each a tag of the messages).
    public virtual string[] Filters => ["eventId", "eventType"];

    // For the start-up log line: where the API is and where deliveries go.
    public abstract string Describe();

    // An unknown path in the provider's API area, and the answer while FailApiCalls is on, in the provider's own error shape.
    public abstract IResult NotFound(HttpRequest request);

    public abstract IResult Unavailable();

    // Where this message goes, and the setting that says so when nothing is known.
    public abstract (string? Url, string Setting) Target(SignedMessage message);

    // Signs one attempt: headers and content on the request. Returns the attempt's mark, if any.
    public abstract string? Shape(HttpRequestMessage request, SignedMessage message);

    // Whether the answer counts as delivered; the error to record when not.
    public virtual Task<(bool Delivered, string? Error)> JudgeAsync(HttpResponseMessage response, SignedMessage message, CancellationToken cancellationToken) =>
        Task.FromResult<(bool, string?)>((response.IsSuccessStatusCode, null));

    public abstract JsonObject View(DeliveryRecord record);
}

// PayPal and Stripe: JSON events POSTed to one webhook URL, listed by eventId and eventType, each
// attempt's mark shown under its provider's name for it.
internal abstract class JsonWebhookProfile<TOptions>(
    IOptions<TOptions> options, SandboxUrls<TOptions> urls, SandboxIdentity identity, string section, string webhookPath, string markName)
    : SandboxProfile<TOptions>(options, urls, identity)
    where TOptions : WebhookSandboxOptions
{
    // null → this server's own first http address + webhookPath (the in-process case).
    public string? WebhookTarget => Urls.Target(Options.WebhookUrl, webhookPath);

    public override string Describe() => $"API at {Urls.Base}; webhooks go to {WebhookTarget ?? "(no http address known yet)"}";

    public override (string? Url, string Setting) Target(SignedMessage message) => (WebhookTarget, section + ":WebhookUrl");

    public override JsonObject View(DeliveryRecord record) =>
        record.View(new JsonObject { ["eventId"] = record.Message.Id, ["eventType"] = record.Message.Type }, markName, Mark);

    // What /_webhooks/send fills in when a test's event lacks it (first, in this order), and the
    // field that names the event's type.
    public abstract (string Name, Func<JsonNode> Value)[] RequiredEventFields { get; }

    public abstract string TypeField { get; }

    public abstract JsonSerializerOptions Wire { get; }

    public static SignedMessage Message(string id, string type, byte[] body) =>
        new(id, type, body, new Dictionary<string, string?> { ["eventId"] = id, ["eventType"] = type });

    protected virtual JsonNode Mark(string mark) => mark;
}
