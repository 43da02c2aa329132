using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Orders.Sandbox.Webhooks;

namespace Orders.Sandbox.Stripe;

internal sealed record StripePendingDelivery(StripeDeliveryRecord Record, byte[] Body, int DelayMilliseconds);

internal sealed record StripeStoredEvent(string Id, string Type, byte[] Body);

// The queue between "something happened" and the delivery service, plus what tests can inspect.
// An event is serialized exactly once: every copy and every attempt sends the same bytes.
internal sealed class StripeWebhookOutbox(StripeSandboxKnobs knobs, TimeProvider time, ILogger<StripeWebhookOutbox> logger)
{
    private readonly DeliveryLedger<StripeDeliveryRecord, StripePendingDelivery> ledger = new();

    public ChannelReader<StripePendingDelivery> Reader => ledger.Reader;

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
            var record = new StripeDeliveryRecord(ledger.NextSequence(), stored.Id, stored.Type, copy, time.GetUtcNow());
            ledger.Record(record);
            if (settings.DropWebhooks)
            {
                record.Drop();
                logger.DeliveryDropped(stored.Type, stored.Id);
                continue;
            }
            ledger.Queue(new StripePendingDelivery(record, stored.Body, settings.DeliveryDelayMilliseconds));
        }
        ledger.Trim();
    }

    public IReadOnlyList<StripeDeliveryView> List(string? eventId, string? eventType) =>
        [.. ledger.List(d => (eventId is null || d.EventId == eventId) && (eventType is null || d.EventType == eventType)).Select(d => d.Snapshot())];
}
