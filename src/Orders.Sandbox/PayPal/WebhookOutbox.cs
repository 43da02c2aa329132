using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Orders.Sandbox.PayPal;

internal sealed record PendingDelivery(WebhookDeliveryRecord Record, byte[] Body, int DelayMilliseconds);

internal sealed record StoredEvent(string Id, string EventType, byte[] Body);

// The queue between "something happened" and the delivery service, plus what tests can inspect.
// An event is serialized exactly once: every copy and every attempt sends the same bytes.
internal sealed class WebhookOutbox(PayPalSandboxKnobs knobs, TimeProvider time, ILogger<WebhookOutbox> logger)
{
    // Bounds memory in long runs; only finished deliveries are forgotten.
    private const int MaxRecords = 10_000;

    private readonly Channel<PendingDelivery> queue = Channel.CreateUnbounded<PendingDelivery>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, WebhookDeliveryRecord> deliveries = new();
    private readonly ConcurrentDictionary<string, StoredEvent> events = new(StringComparer.Ordinal);
    private long sequence;

    public ChannelReader<PendingDelivery> Reader => queue.Reader;

    public string Publish(JsonObject webhookEvent)
    {
        var id = webhookEvent["id"]!.GetValue<string>();
        var eventType = webhookEvent["event_type"]!.GetValue<string>();
        Enqueue(new StoredEvent(id, eventType, JsonSerializer.SerializeToUtf8Bytes(webhookEvent, PayPalJson.Wire)));
        return id;
    }

    public void Enqueue(StoredEvent stored)
    {
        events[stored.Id] = stored;
        var settings = knobs.Current;
        for (var copy = 1; copy <= 1 + settings.DuplicateDeliveries; copy++)
        {
            var record = new WebhookDeliveryRecord(Interlocked.Increment(ref sequence), stored.Id, stored.EventType, copy, time.GetUtcNow());
            deliveries[record.Sequence] = record;
            if (settings.DropWebhooks)
            {
                record.Drop();
                logger.DeliveryDropped(stored.EventType, stored.Id);
                continue;
            }
            queue.Writer.TryWrite(new PendingDelivery(record, stored.Body, settings.DeliveryDelayMilliseconds));
        }
        Trim();
    }

    public StoredEvent? Find(string eventId) => events.GetValueOrDefault(eventId);

    public IReadOnlyList<WebhookDeliveryView> List(string? eventId, string? eventType) => deliveries.Values
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
            if (!deliveries.Values.Any(d => d.EventId == record.EventId))
            {
                events.TryRemove(record.EventId, out _);
            }
        }
    }
}
