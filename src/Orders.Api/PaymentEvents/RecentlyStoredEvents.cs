using System.Collections.Concurrent;

namespace Orders.Api.PaymentEvents;

// The provider events this instance committed to the inbox most recently, with their inbox ids, so
// that a repeat delivery of one of them is answered at once instead of queuing behind the inbox
// writer for a look-up in the database. Providers deliver repeats as a matter of course: PayPal and
// Stripe retry whatever was not acknowledged in time, and an outage ends in a burst of them.
//
// Only a hint for the fast path: the unique index is still what makes an event exactly-once, an
// event that is not here (another instance stored it, or it has aged out) goes through the writer
// as before, and nothing is here before its commit completed. It keeps ids, not personal data, and
// is bounded: the oldest entry goes when a new one would exceed the capacity.
internal sealed class RecentlyStoredEvents(int capacity)
{
    private readonly ConcurrentDictionary<(string Provider, string EventId), long> inboxIds = new();

    // Insertion order, for evicting the oldest; only the inbox writer adds, so it needs no lock.
    private readonly (string Provider, string EventId)[] order = new (string, string)[capacity];
    private int next;
    private int count;

    public int Count => inboxIds.Count;

    public bool TryGet(string provider, string eventId, out long inboxId) => inboxIds.TryGetValue((provider, eventId), out inboxId);

    // Called by the inbox writer only, after the commit that made the row durable.
    public void Add(string provider, string eventId, long inboxId)
    {
        if (!inboxIds.TryAdd((provider, eventId), inboxId))
        {
            return;
        }

        if (count == order.Length)
        {
            inboxIds.TryRemove(order[next], out _);
        }
        else
        {
            count++;
        }

        order[next] = (provider, eventId);
        next = (next + 1) % order.Length;
    }
}
