namespace Orders.Sandbox.Webhooks;

// What a delivery record looked like at one moment, read under its lock.
internal readonly record struct DeliveryProgress(
    string State,
    int Attempts,
    int? LastStatusCode,
    string? LastError,
    string? LastAttemptMark,
    string? Target,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? NextAttemptAt)
{
    public bool Delivered => State == DeliveryRecord.Delivered;

    public bool Dropped => State == DeliveryRecord.Dropped;
}

// The history of one copy of one signed delivery (a PayPal or Stripe webhook, a reseller IPN or
// LCN), as the providers' delivery dashboards show it: queued → sending → delivered, or retried on
// a schedule until given up. Each provider's record adds what identifies its event and shapes the
// view its control endpoint returns.
internal abstract class DeliveryRecord(long sequence, int copy, DateTimeOffset createdAt)
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
    private string? lastAttemptMark;
    private string? target;
    private DateTimeOffset? lastAttemptAt;
    private DateTimeOffset? deliveredAt;
    private DateTimeOffset? nextAttemptAt;

    public long Sequence => sequence;

    public int Copy => copy;

    // For the logs: "PAYMENT.CAPTURE.COMPLETED WH-…", "IPN 17".
    public abstract string Describe();

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

    // mark: what identifies this attempt's signature (PayPal's transmission id, Stripe's timestamp);
    // never the signature itself.
    public int StartAttempt(string? url, DateTimeOffset now, string? mark = null)
    {
        lock (gate)
        {
            state = Sending;
            target = url;
            lastAttemptMark = mark;
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

    protected DeliveryProgress Progress()
    {
        lock (gate)
        {
            return new DeliveryProgress(state, attempts, lastStatusCode, lastError, lastAttemptMark, target, createdAt, lastAttemptAt, deliveredAt, nextAttemptAt);
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
