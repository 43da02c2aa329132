using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Orders.Sandbox.PayPal;

// The sandbox serializes with its own options: the host app may configure its JSON differently,
// and PayPal's wire names must not depend on that.
internal static class PayPalJson
{
    // PayPal's REST API: snake_case. These bodies are never embedded in HTML, so ' & < > stay as they are.
    public static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    // The sandbox's own test controls (not PayPal's API): camelCase, every field always present
    // (null when unknown) so tests can rely on the shape, unknown fields rejected.
    public static readonly JsonSerializerOptions Control = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    // Duplicate keys are rejected rather than silently resolved one way or the other.
    public static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    // RFC 3339 UTC without fractions, the form PayPal uses in create_time and PAYPAL-TRANSMISSION-TIME.
    public static string Time(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static JsonObject Link(string href, string rel, string method) =>
        new() { ["href"] = href, ["rel"] = rel, ["method"] = method };

    public static void SetIfNotNull(this JsonObject target, string name, string? value)
    {
        if (value is not null)
        {
            target[name] = value;
        }
    }
}
