using System.Collections.Concurrent;
using System.Text.Json.Nodes;

using Orders.Sandbox.Template;

namespace Orders.Sandbox.PayPal;

// PayPal-Request-Id: a repeated request returns the stored result of the first one. Callers hold the
// lock that serializes the operation, so look-up and store cannot race for the same key.
// Only successful results are stored: a request that failed (e.g. not yet approved) may succeed when retried.
internal sealed class PayPalIdempotency(TimeProvider time)
{
    public const int MaxRequestIdLength = 108;

    // "The server stores keys for 6 hours."
    private static readonly TimeSpan Retention = TimeSpan.FromHours(6);

    private readonly ConcurrentDictionary<string, (string Json, DateTimeOffset Expires)> entries = new(StringComparer.Ordinal);

    public JsonNode? Replay(string scope, string? requestId)
    {
        if (requestId is null || !entries.TryGetValue(Key(scope, requestId), out var entry))
        {
            return null;
        }
        if (entry.Expires <= time.GetUtcNow())
        {
            entries.TryRemove(Key(scope, requestId), out _);
            return null;
        }
        return JsonNode.Parse(entry.Json);
    }

    public void Remember(string scope, string? requestId, JsonNode response)
    {
        if (requestId is null)
        {
            return;
        }
        var now = time.GetUtcNow();
        foreach (var (key, entry) in entries)
        {
            if (entry.Expires <= now)
            {
                entries.TryRemove(key, out _);
            }
        }
        entries[Key(scope, requestId)] = (response.ToJsonString(SandboxJson.PayPal), now + Retention);
    }

    private static string Key(string scope, string requestId) => scope + "\n" + requestId;
}
