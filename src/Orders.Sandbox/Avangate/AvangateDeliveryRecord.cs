namespace Orders.Sandbox.Avangate;

internal sealed record AvangateDeliveryView(
    long Id,
    long Sequence,
    string Kind,
    string? Refno,
    string? OrderStatus,
    string? MessageId,
    int Copy,
    string State,
    bool Delivered,
    bool Dropped,
    int Attempts,
    int? LastStatusCode,
    bool ReceiptValid,
    string? LastError,
    string? Target,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? DeliveredAt,
    DateTimeOffset? NextAttemptAt);

// The history of one copy of one notification, for GET {prefix}/_notifications.
internal sealed class AvangateDeliveryRecord(long sequence, AvangateNotification notification, int copy, DateTimeOffset createdAt)
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
    private bool receiptValid;
    private string? lastError;
    private string? target;
    private DateTimeOffset? lastAttemptAt;
    private DateTimeOffset? deliveredAt;
    private DateTimeOffset? nextAttemptAt;

    public long Sequence => sequence;
    public AvangateNotification Notification => notification;
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

    public int StartAttempt(string? url, DateTimeOffset now)
    {
        lock (gate)
        {
            state = Sending;
            target = url;
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
            receiptValid = true;
            lastError = null;
            deliveredAt = now;
        }
    }

    // No valid read receipt in the last answer (or no answer at all).
    public void Fail(int? statusCode, string? error)
    {
        lock (gate)
        {
            lastStatusCode = statusCode;
            receiptValid = false;
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

    public AvangateDeliveryView Snapshot()
    {
        lock (gate)
        {
            return new AvangateDeliveryView(
                notification.Id, sequence, notification.Kind, notification.Refno, notification.Status, notification.MessageId, copy,
                state, state == Delivered, state == Dropped, attempts, lastStatusCode, receiptValid, lastError, target,
                createdAt, lastAttemptAt, deliveredAt, nextAttemptAt);
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
