using System.Text.Json.Nodes;

namespace Orders.Sandbox.Stripe;

// Idempotency-Key: a repeated POST with the same key and the same parameters gets the first
// result again (with Idempotent-Replayed: true); the same key with other parameters is an
// idempotency_error. Only results of requests that ran are kept, never validation failures, so a
// corrected request may reuse its key. Operations run one at a time, so look-up and store cannot race.
internal sealed class StripeIdempotency(TimeProvider time)
{
    public const int MaxKeyLength = 255;

    // Stripe keeps keys for at least 24 hours.
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    private readonly Lock gate = new();
    private readonly Dictionary<string, Entry> entries = new(StringComparer.Ordinal);

    public (int StatusCode, JsonObject Body, bool Replayed) Run(string scope, string? key, string canonical, Func<(int StatusCode, JsonObject Body)> operation)
    {
        lock (gate)
        {
            var now = time.GetUtcNow();
            foreach (var (stale, _) in entries.Where(e => e.Value.Expires <= now).ToList())
            {
                entries.Remove(stale);
            }
            if (key is not null && entries.TryGetValue(scope + "\n" + key, out var entry))
            {
                return entry.Canonical == canonical
                    ? (entry.StatusCode, JsonNode.Parse(entry.Json)!.AsObject(), true)
                    : (StripeErrors.IdempotencyMismatch(key).StatusCode, StripeErrors.IdempotencyMismatch(key).Body(), false);
            }
            var (status, body) = operation();
            if (key is not null && status < 400)
            {
                entries[scope + "\n" + key] = new Entry(canonical, status, body.ToJsonString(), now + Retention);
            }
            return (status, body, false);
        }
    }

    private sealed record Entry(string Canonical, int StatusCode, string Json, DateTimeOffset Expires);
}
