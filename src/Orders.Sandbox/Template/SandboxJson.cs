using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Orders.Sandbox.Template;

// The sandbox serializes with its own options: the host app may configure its JSON differently,
// and the providers' wire names must not depend on that. None of these bodies is embedded in HTML.
internal static class SandboxJson
{
    // The sandbox's own test controls (not a provider's API): camelCase, every field always present
    // (null when unknown) so tests can rely on the shape, unknown fields rejected.
    public static readonly JsonSerializerOptions Control = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    // PayPal's REST API: snake_case, nulls left out.
    public static readonly JsonSerializerOptions PayPal = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    // Stripe's API: snake_case, nulls written as Stripe does (metadata keys kept as sent).
    public static readonly JsonSerializerOptions Stripe = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = true,
    };

    // Duplicate keys are rejected rather than silently resolved one way or the other.
    public static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false };

    private static readonly ConcurrentDictionary<string, JsonSerializerOptions> KnobOptions = new(StringComparer.Ordinal);

    // The control options with the drop knob named as the provider names its deliveries.
    public static JsonSerializerOptions Knobs(string dropName) =>
        KnobOptions.GetOrAdd(dropName, name => new(Control) { PropertyNamingPolicy = new KnobNaming(name) });

    public static string? Text(JsonObject json, string name) =>
        json[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    // A test's own event for /_webhooks/send: the posted bytes as they are, so tests control every
    // byte; only when a required field is missing is it filled in (first, in this order) and the
    // event re-serialized. Null when the body is not a JSON object.
    public static async Task<(byte[] Body, JsonObject Event)?> ReadEventAsync(
        HttpRequest request, JsonSerializerOptions wire, CancellationToken cancellationToken, params (string Name, Func<JsonNode> Value)[] required)
    {
        var bytes = await ReadBodyAsync(request, cancellationToken);
        JsonObject? sent;
        try
        {
            sent = bytes is null ? null : JsonNode.Parse(bytes, documentOptions: Strict) as JsonObject;
        }
        catch (JsonException)
        {
            sent = null;
        }
        if (sent is null)
        {
            return null;
        }
        if (required.All(r => sent[r.Name] is not null) && Text(sent, "id") is not null)
        {
            return (bytes!, sent);
        }
        var completed = new JsonObject();
        foreach (var (name, value) in required)
        {
            completed[name] = (name == "id" ? (Text(sent, "id") is { } id ? JsonValue.Create(id) : null) : sent[name]?.DeepClone()) ?? value();
        }
        foreach (var (name, value) in sent.Where(p => !completed.ContainsKey(p.Key)))
        {
            completed[name] = value?.DeepClone();
        }
        return (JsonSerializer.SerializeToUtf8Bytes(completed, wire), completed);
    }

    private sealed class KnobNaming(string dropName) : JsonNamingPolicy
    {
        public override string ConvertName(string name) =>
            name == nameof(SandboxKnobs.DropWebhooks) ? dropName : CamelCase.ConvertName(name);
    }

    public static async Task<string?> ReadTextAsync(HttpRequest request, CancellationToken cancellationToken, int maxBytes = 1024 * 1024) =>
        await ReadBodyAsync(request, cancellationToken, maxBytes) is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : null;

    // A request body read whole, at most maxBytes (null when larger).
    public static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken, int maxBytes = 1024 * 1024)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
