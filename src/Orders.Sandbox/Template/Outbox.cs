using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Template;

// One signed delivery as queued: the exact bytes every copy and every attempt sends, and what
// identifies it in GET {prefix}/_webhooks (or /_notifications) filters. A provider adds what its
// signing or its receipt check needs.
internal record SignedMessage(string Id, string Type, byte[] Body, IReadOnlyDictionary<string, string?> Tags);

// The chaos knobs as one immutable value, so a reader never sees half of a replacement. Each
// provider names DropWebhooks as it calls its deliveries (the reseller: dropNotifications).
internal sealed record SandboxKnobs(
    bool DropWebhooks = false,
    int DuplicateDeliveries = 0,
    int DeliveryDelayMilliseconds = 0,
    bool FailApiCalls = false)
{
    public const int MaxDuplicates = 10;
    public const int MaxDelayMilliseconds = 600_000;

    public Dictionary<string, string[]> Problems()
    {
        Dictionary<string, string[]> problems = [];
        if (DuplicateDeliveries is < 0 or > MaxDuplicates)
        {
            problems["duplicateDeliveries"] = [$"Must be between 0 and {MaxDuplicates}."];
        }
        if (DeliveryDelayMilliseconds is < 0 or > MaxDelayMilliseconds)
        {
            problems["deliveryDelayMilliseconds"] = [$"Must be between 0 and {MaxDelayMilliseconds}."];
        }
        return problems;
    }
}

// The knobs in force: the configured ones until a test replaces them through /_settings.
internal sealed class Knobs<TOptions>(IOptions<TOptions> options)
    where TOptions : SandboxOptions
{
    private volatile SandboxKnobs? current;

    public SandboxKnobs Current => current ??= new SandboxKnobs(
        options.Value.DropDeliveries, options.Value.DuplicateDeliveries, options.Value.DeliveryDelayMilliseconds, options.Value.FailApiCalls);

    public void Replace(SandboxKnobs knobs) => current = knobs;
}

// What one copy of one delivery has been through, as the providers' delivery dashboards show it:
// queued → sending → delivered, or retry-scheduled until failed (given up); dropped; stopped.
internal sealed record DeliveryProgress(
    string State, int Attempts, int? LastStatusCode, string? LastError, string? Mark, string? Target,
    DateTimeOffset CreatedAt, DateTimeOffset? LastAttemptAt, DateTimeOffset? DeliveredAt, DateTimeOffset? NextAttemptAt)
{
    public bool Delivered => State == "delivered";

    public bool Dropped => State == "dropped";

    public bool IsFinished => State is "delivered" or "dropped" or "failed" or "stopped";
}

// One copy of one delivery. Only the one delivery loop that owns it changes it (or the outbox,
// before queueing); readers see whole snapshots. An attempt's mark identifies its signature
// (PayPal's transmission id, Stripe's timestamp), never the signature itself.
internal sealed class DeliveryRecord(long sequence, SignedMessage message, int copy, DateTimeOffset createdAt)
{
    private volatile DeliveryProgress progress = new("queued", 0, null, null, null, null, createdAt, null, null, null);

    public long Sequence => sequence;

    public SignedMessage Message => message;

    public int Copy => copy;

    public int DelayMilliseconds { get; init; }

    public DeliveryProgress Progress => progress;

    public void Update(Func<DeliveryProgress, DeliveryProgress> change) => progress = change(progress);

    // For the logs: "PAYMENT.CAPTURE.COMPLETED WH-…", "ipn 17".
    public string Describe() => $"{message.Type} {message.Id}";

    // The control endpoint's view: the provider's identity fields, then the progress.
    public JsonObject View(JsonObject identity, string? markName, Func<string, JsonNode>? mark = null)
    {
        var p = progress;
        identity["sequence"] = sequence;
        identity["copy"] = copy;
        foreach (var (name, value) in JsonSerializer.SerializeToNode(p, SandboxJson.Control)!.AsObject().ToList())
        {
            if (name == "mark")
            {
                if (markName is not null)
                {
                    identity[markName] = p.Mark is null ? null : mark?.Invoke(p.Mark) ?? p.Mark;
                }
            }
            else if (name != "isFinished")
            {
                identity[name] = value?.DeepClone();
            }
        }
        return identity;
    }
}

// The queue between "something happened" and the delivery service, plus every delivery record for
// the control endpoint that tests and the crash harness inspect. Each message is serialized once:
// every copy and every attempt sends the same bytes. Memory stays bounded in long runs: beyond
// 10,000 records the oldest finished ones are forgotten (and messages only they named).
internal sealed class Outbox<TOptions>(Knobs<TOptions> knobs, TimeProvider time, ILogger<Outbox<TOptions>> logger)
    where TOptions : SandboxOptions
{
    private const int MaxRecords = 10_000;

    private readonly Channel<DeliveryRecord> queue = Channel.CreateUnbounded<DeliveryRecord>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, DeliveryRecord> records = new();
    private readonly ConcurrentDictionary<string, SignedMessage> messages = new(StringComparer.Ordinal);
    private long sequence;

    public ChannelReader<DeliveryRecord> Reader => queue.Reader;

    public SignedMessage? Find(string id) => messages.GetValueOrDefault(id);

    public void Enqueue(SignedMessage message)
    {
        messages[message.Id] = message;
        var settings = knobs.Current;
        for (var copy = 1; copy <= 1 + settings.DuplicateDeliveries; copy++)
        {
            var record = new DeliveryRecord(Interlocked.Increment(ref sequence), message, copy, time.GetUtcNow())
            {
                DelayMilliseconds = settings.DeliveryDelayMilliseconds,
            };
            records[record.Sequence] = record;
            if (settings.DropWebhooks)
            {
                record.Update(p => p with { State = "dropped" });
                logger.DeliveryDropped(message.Type, message.Id);
                continue;
            }
            queue.Writer.TryWrite(record);
        }
        Trim();
    }

    // Every record whose message carries these tags (a null filter matches anything).
    public IReadOnlyList<DeliveryRecord> List(IEnumerable<KeyValuePair<string, string?>> filters) =>
    [
        .. records.Values
            .Where(r => filters.All(f => f.Value is null || r.Message.Tags.GetValueOrDefault(f.Key) == f.Value))
            .OrderBy(r => r.Sequence),
    ];

    private void Trim()
    {
        if (records.Count <= MaxRecords)
        {
            return;
        }
        foreach (var record in records.Values.Where(r => r.Progress.IsFinished).OrderBy(r => r.Sequence).Take(records.Count - MaxRecords).ToList())
        {
            records.TryRemove(record.Sequence, out _);
            if (!records.Values.Any(r => r.Message.Id == record.Message.Id))
            {
                messages.TryRemove(record.Message.Id, out _);
            }
        }
    }
}
