using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.PayPal;

internal sealed record PendingDelivery(WebhookDeliveryRecord Record, byte[] Body, int DelayMilliseconds);

internal sealed record StoredEvent(string Id, string EventType, byte[] Body);

// The queue between "something happened" and the delivery service, plus what tests can inspect.
// An event is serialized exactly once: every copy and every attempt sends the same bytes. Events
// are kept for resending (the webhooks-events/{id}/resend API) as long as a record names them.
internal sealed class WebhookOutbox(PayPalSandboxKnobs knobs, TimeProvider time, ILogger<WebhookOutbox> logger)
{
    private readonly DeliveryLedger<WebhookDeliveryRecord, PendingDelivery> ledger = new();
    private readonly ConcurrentDictionary<string, StoredEvent> events = new(StringComparer.Ordinal);

    public ChannelReader<PendingDelivery> Reader => ledger.Reader;

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
            var record = new WebhookDeliveryRecord(ledger.NextSequence(), stored.Id, stored.EventType, copy, time.GetUtcNow());
            ledger.Record(record);
            if (settings.DropWebhooks)
            {
                record.Drop();
                logger.DeliveryDropped(stored.EventType, stored.Id);
                continue;
            }
            ledger.Queue(new PendingDelivery(record, stored.Body, settings.DeliveryDelayMilliseconds));
        }

        foreach (var forgotten in ledger.Trim())
        {
            if (!ledger.Any(d => d.EventId == forgotten.EventId))
            {
                events.TryRemove(forgotten.EventId, out _);
            }
        }
    }

    public StoredEvent? Find(string eventId) => events.GetValueOrDefault(eventId);

    public IReadOnlyList<WebhookDeliveryView> List(string? eventId, string? eventType) =>
        [.. ledger.List(d => (eventId is null || d.EventId == eventId) && (eventType is null || d.EventType == eventType)).Select(d => d.Snapshot())];
}
