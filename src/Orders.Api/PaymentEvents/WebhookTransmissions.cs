using System.Security.Cryptography;

namespace Orders.Api.PaymentEvents;

// A provider's transmission (one delivery attempt, its own id and signature) and the SHA-256 of the
// body it came with. PayPal's signature covers only a CRC-32 of the body, so whoever holds one signed
// delivery can make another body with the same CRC: each transmission id is accepted with one body.
internal sealed record WebhookTransmission(string Provider, string TransmissionId, string BodySha256)
{
    public static WebhookTransmission Of(string provider, string transmissionId, ReadOnlySpan<byte> body) =>
        new(provider, transmissionId, Convert.ToHexStringLower(SHA256.HashData(body)));
}

// The transmissions this instance accepted recently, checked for every delivery (also the repeats
// answered without a database write): the same id with another body is refused here, and the
// inbox's webhook_transmissions table does the same, across instances, for every delivery it
// stores. Bounded; the oldest entry goes first.
internal sealed class RecentTransmissions(int capacity)
{
    private readonly Dictionary<(string Provider, string TransmissionId), string> bodies = [];
    private readonly Queue<(string Provider, string TransmissionId)> order = new();
    private readonly Lock gate = new();

    // False when the id was accepted before with another body; otherwise remembers it.
    public bool TryAccept(WebhookTransmission transmission)
    {
        var key = (transmission.Provider, transmission.TransmissionId);
        lock (gate)
        {
            if (bodies.TryGetValue(key, out var known))
            {
                return known == transmission.BodySha256;
            }

            if (order.Count == capacity)
            {
                bodies.Remove(order.Dequeue());
            }

            bodies[key] = transmission.BodySha256;
            order.Enqueue(key);
            return true;
        }
    }
}
