using System.Text.Json.Nodes;

namespace Orders.Sandbox.Template;

// A client's retry key for mutating requests (PayPal-Request-Id, Stripe's Idempotency-Key): the
// answer of the first request that ran is kept for the provider's retention time, with a
// fingerprint of what was asked. Refusals are never kept, so a corrected request may reuse its key.
// What a replay answers is the provider's choice: Stripe the stored answer (or an idempotency
// error for other parameters), PayPal's create the order as it is now.
internal sealed class IdempotencyStore(TimeProvider time, TimeSpan retention)
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public sealed record Entry(string Fingerprint, int StatusCode, string Json, DateTimeOffset Expires)
    {
        public JsonNode Body => JsonNode.Parse(Json)!;
    }

    public Entry? Find(string scope, string? key)
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            foreach (var stale in entries.Where(e => e.Value.Expires <= now).Select(e => e.Key).ToList())
            {
                entries.Remove(stale);
            }
            return key is not null && entries.TryGetValue(scope + "\n" + key, out var entry) ? entry : null;
        }
    }

    public void Remember(string scope, string? key, int statusCode, JsonNode body, string fingerprint = "")
    {
        if (key is not null && statusCode < 400)
        {
            lock (gate)
            {
                entries[scope + "\n" + key] = new Entry(fingerprint, statusCode, body.ToJsonString(), time.GetUtcNow() + retention);
            }
        }
    }

    // Look-up, operation and store as one step, for callers that hold no lock of their own.
    public T Run<T>(Func<T> operation)
    {
        lock (gate)
        {
            return operation();
        }
    }
}
