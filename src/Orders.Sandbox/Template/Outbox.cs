using System.Collections.Concurrent;
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

// The history of one copy of one delivery, as the providers' delivery dashboards show it:
// queued → sending → delivered, or retried on a schedule until given up.
internal sealed class DeliveryRecord(long sequence, SignedMessage message, int copy, DateTimeOffset createdAt)
{
    private readonly Lock gate = new();
    private string state = "queued";
    private int attempts;
    private int? lastStatusCode;
    private string? lastError;
    private string? lastAttemptMark;
    private string? target;
    private DateTimeOffset? lastAttemptAt;
    private DateTimeOffset? deliveredAt;
    private DateTimeOffset? nextAttemptAt;

    public long Sequence => sequence;

    public SignedMessage Message => message;

    public int Copy => copy;

    public int DelayMilliseconds { get; init; }

    public bool IsFinished
    {
        get
        {
            lock (gate)
            {
                return state is "delivered" or "dropped" or "failed" or "stopped";
            }
        }
    }

    // For the logs: "PAYMENT.CAPTURE.COMPLETED WH-…", "ipn 17".
    public string Describe() => $"{message.Type} {message.Id}";

    // mark: what identifies this attempt's signature (PayPal's transmission id, Stripe's timestamp);
    // never the signature itself.
    public int StartAttempt(string? url, DateTimeOffset now, string? mark)
    {
        lock (gate)
        {
            (state, target, lastAttemptMark, lastAttemptAt, nextAttemptAt) = ("sending", url, mark, now, null);
            return ++attempts;
        }
    }

    public void Succeed(int statusCode, DateTimeOffset now)
    {
        lock (gate)
        {
            (state, lastStatusCode, lastError, deliveredAt) = ("delivered", statusCode, null, now);
        }
    }

    public void Fail(int? statusCode, string? error)
    {
        lock (gate)
        {
            (lastStatusCode, lastError) = (statusCode, error);
        }
    }

    public void ScheduleRetry(DateTimeOffset at)
    {
        lock (gate)
        {
            (state, nextAttemptAt) = ("retry-scheduled", at);
        }
    }

    // dropped, failed (given up) or stopped (shutting down).
    public void End(string finalState)
    {
        lock (gate)
        {
            (state, nextAttemptAt) = (finalState, null);
        }
    }

    // The control endpoint's view: the provider's identity fields, then the progress.
    public JsonObject View(JsonObject identity, string? markName, Func<string, JsonNode?>? mark = null)
    {
        lock (gate)
        {
            identity["sequence"] = sequence;
            identity["copy"] = copy;
            identity["state"] = state;
            identity["delivered"] = state == "delivered";
            identity["dropped"] = state == "dropped";
            identity["attempts"] = attempts;
            identity["lastStatusCode"] = lastStatusCode;
            identity["lastError"] = lastError;
            if (markName is not null)
            {
                identity[markName] = lastAttemptMark is null ? null : mark?.Invoke(lastAttemptMark) ?? lastAttemptMark;
            }
            identity["target"] = target;
            identity["createdAt"] = createdAt;
            identity["lastAttemptAt"] = lastAttemptAt;
            identity["deliveredAt"] = deliveredAt;
            identity["nextAttemptAt"] = nextAttemptAt;
            return identity;
        }
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
                record.End("dropped");
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
        foreach (var record in records.Values.Where(r => r.IsFinished).OrderBy(r => r.Sequence).Take(records.Count - MaxRecords).ToList())
        {
            records.TryRemove(record.Sequence, out _);
            if (!records.Values.Any(r => r.Message.Id == record.Message.Id))
            {
                messages.TryRemove(record.Message.Id, out _);
            }
        }
    }
}
