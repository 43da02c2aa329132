using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Orders.Sandbox.Webhooks;

// A stand-in's side of its deliveries: the queue its delivery service reads, and every delivery
// record for the control endpoint that tests and the crash harness inspect. Memory stays bounded in
// long runs: beyond 10,000 records the oldest finished ones are forgotten.
internal sealed class DeliveryLedger<TRecord, TPending>
    where TRecord : DeliveryRecord
{
    private const int MaxRecords = 10_000;

    private readonly Channel<TPending> queue = Channel.CreateUnbounded<TPending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, TRecord> records = new();
    private long sequence;

    public ChannelReader<TPending> Reader => queue.Reader;

    public long NextSequence() => Interlocked.Increment(ref sequence);

    public void Record(TRecord record) => records[record.Sequence] = record;

    public void Queue(TPending pending) => queue.Writer.TryWrite(pending);

    public bool Any(Func<TRecord, bool> predicate) => records.Values.Any(predicate);

    public IReadOnlyList<TRecord> List(Func<TRecord, bool> predicate) =>
        [.. records.Values.Where(predicate).OrderBy(r => r.Sequence)];

    // Returns what was forgotten, so the owner can drop what only those records needed.
    public IReadOnlyList<TRecord> Trim()
    {
        if (records.Count <= MaxRecords)
        {
            return [];
        }

        var forgotten = records.Values.Where(r => r.IsFinished).OrderBy(r => r.Sequence).Take(records.Count - MaxRecords).ToList();
        foreach (var record in forgotten)
        {
            records.TryRemove(record.Sequence, out _);
        }

        return forgotten;
    }
}
