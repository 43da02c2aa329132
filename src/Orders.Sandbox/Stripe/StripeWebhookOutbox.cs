using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Orders.Sandbox.Stripe;

internal sealed record StripePendingDelivery(StripeDeliveryRecord Record, byte[] Body, int DelayMilliseconds);

internal sealed record StripeStoredEvent(string Id, string Type, byte[] Body);

// The queue between "something happened" and the delivery service, plus what tests can inspect.
// An event is serialized exactly once: every copy and every attempt sends the same bytes.
internal sealed class StripeWebhookOutbox(StripeSandboxKnobs knobs, TimeProvider time, ILogger<StripeWebhookOutbox> logger)
{
    // Bounds memory in long runs; only finished deliveries are forgotten.
    private const int MaxRecords = 10_000;

    private readonly Channel<StripePendingDelivery> queue = Channel.CreateUnbounded<StripePendingDelivery>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, StripeDeliveryRecord> deliveries = new();
    private long sequence;

    public ChannelReader<StripePendingDelivery> Reader => queue.Reader;

    public string Publish(JsonObject stripeEvent)
    {
        var id = stripeEvent["id"]!.GetValue<string>();
        var type = stripeEvent["type"]!.GetValue<string>();
        Enqueue(new StripeStoredEvent(id, type, JsonSerializer.SerializeToUtf8Bytes(stripeEvent, StripeJson.Wire)));
        logger.EventQueued(type, id);
        return id;
    }

    public void Enqueue(StripeStoredEvent stored)
    {
        var settings = knobs.Current;
        for (var copy = 1; copy <= 1 + settings.DuplicateDeliveries; copy++)
        {
            var record = new StripeDeliveryRecord(Interlocked.Increment(ref sequence), stored.Id, stored.Type, copy, time.GetUtcNow());
            deliveries[record.Sequence] = record;
            if (settings.DropWebhooks)
            {
                record.Drop();
                logger.DeliveryDropped(stored.Type, stored.Id);
                continue;
            }
            queue.Writer.TryWrite(new StripePendingDelivery(record, stored.Body, settings.DeliveryDelayMilliseconds));
        }
        Trim();
    }

    public IReadOnlyList<StripeDeliveryView> List(string? eventId, string? eventType) => deliveries.Values
        .Where(d => (eventId is null || d.EventId == eventId) && (eventType is null || d.EventType == eventType))
        .OrderBy(d => d.Sequence)
        .Select(d => d.Snapshot())
        .ToList();

    private void Trim()
    {
        if (deliveries.Count <= MaxRecords)
        {
            return;
        }
        foreach (var record in deliveries.Values.Where(d => d.IsFinished).OrderBy(d => d.Sequence).Take(deliveries.Count - MaxRecords))
        {
            deliveries.TryRemove(record.Sequence, out _);
        }
    }
}
