namespace Orders.Sandbox.Stripe;

internal sealed record StripeDeliveryView(
    long Sequence,
    string EventId,
    string EventType,
    int Copy,
    string State,
    bool Delivered,
    bool Dropped,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    long? LastTimestamp,
    string? Target,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? NextAttemptAt);

// The history of one copy of one event, for GET {prefix}/_webhooks.
internal sealed class StripeDeliveryRecord(long sequence, string eventId, string eventType, int copy, DateTimeOffset createdAt)
{
    public const string Queued = "queued";
    public const string Sending = "sending";
    public const string RetryScheduled = "retry-scheduled";
    public const string Delivered = "delivered";
    public const string Dropped = "dropped";
    public const string Failed = "failed";
    public const string Stopped = "stopped";

    private readonly Lock gate = new();
    private string state = Queued;
    private int attempts;
    private int? lastStatusCode;
    private string? lastError;
    private long? lastTimestamp;
    private string? target;
    private DateTimeOffset? lastAttemptAt;
    private DateTimeOffset? deliveredAt;
    private DateTimeOffset? nextAttemptAt;

    public long Sequence => sequence;
    public string EventId => eventId;
    public string EventType => eventType;
    public int Copy => copy;

    public bool IsFinished
    {
        get
        {
            lock (gate)
            {
                return state is Delivered or Dropped or Failed or Stopped;
            }
        }
    }

    public void Drop() => Set(Dropped);

    public void Stop() => Set(Stopped);

    public void GiveUp() => Set(Failed);

    // The signature timestamp of this attempt is recorded (never the signature itself).
    public int StartAttempt(string? url, long? timestamp, DateTimeOffset now)
    {
        lock (gate)
        {
            state = Sending;
            target = url;
            lastTimestamp = timestamp;
            lastAttemptAt = now;
            nextAttemptAt = null;
            return ++attempts;
        }
    }

    public void Succeed(int statusCode, DateTimeOffset now)
    {
        lock (gate)
        {
            state = Delivered;
            lastStatusCode = statusCode;
            lastError = null;
            deliveredAt = now;
        }
    }

    public void Fail(int? statusCode, string? error)
    {
        lock (gate)
        {
            lastStatusCode = statusCode;
            lastError = error;
        }
    }

    public void ScheduleRetry(DateTimeOffset at)
    {
        lock (gate)
        {
            state = RetryScheduled;
            nextAttemptAt = at;
        }
    }

    public StripeDeliveryView Snapshot()
    {
        lock (gate)
        {
            return new StripeDeliveryView(
                sequence, eventId, eventType, copy, state, state == Delivered, state == Dropped, attempts,
                lastStatusCode, lastError, lastTimestamp, target, createdAt, lastAttemptAt, deliveredAt, nextAttemptAt);
        }
    }

    private void Set(string newState)
    {
        lock (gate)
        {
            state = newState;
            nextAttemptAt = null;
        }
    }
}
