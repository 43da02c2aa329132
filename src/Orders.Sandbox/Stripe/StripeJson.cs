using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orders.Sandbox.Stripe;

// The sandbox serializes with its own options: the host app may configure its JSON differently,
// and Stripe's wire names must not depend on that.
internal static class StripeJson
{
    // Stripe's API: snake_case names written by hand in the representations; nulls are written,
    // as Stripe does. These bodies are never embedded in HTML.
    public static readonly JsonSerializerOptions Wire = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };

    // The sandbox's own test controls (not Stripe's API): camelCase, every field always present
    // (null when unknown) so tests can rely on the shape, unknown fields rejected.
    public static readonly JsonSerializerOptions Control = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    // Duplicate keys are rejected rather than silently resolved one way or the other.
    public static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    public static long Unix(DateTimeOffset time) => time.ToUnixTimeSeconds();
}
