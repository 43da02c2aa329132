using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orders.Sandbox.Avangate;

// The sandbox's own test controls (2Checkout's notifications are forms, not JSON): camelCase,
// every field always present (null when unknown), unknown fields rejected. Independent of the
// host's JSON settings.
internal static class AvangateJson
{
    public static readonly JsonSerializerOptions Control = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };
}
