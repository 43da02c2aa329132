namespace Orders.Api.Data;

// The one SQLite write turn of this process, handed out first come first served, except that a
// writer someone is watching a page for (WritePriority.Interactive: a customer's checkout, a staff
// member's resend) goes ahead of everyone still waiting. During a webhook backlog the queue holds a
// group commit of the inbox and a job's transaction most of the time; behind them a checkout waited
// 5 ms at the median and 39 ms at the 99th percentile (docs/bench-history-2026-11.md, round 11). Interactive
// writers are few (checkout is rate limited per client, staff are a handful), so the others are
// not starved.
//
// SemaphoreSlim, used before, is FIFO only. This keeps its behaviour otherwise: waiters resume
// asynchronously (never inline in the releasing thread, which may be inside a job's transaction),
// and a waiter whose token is cancelled leaves the queue without ever holding the turn.
internal sealed class WriteTurnQueue
{
    private readonly Lock gate = new();
    private readonly LinkedList<TaskCompletionSource> interactive = new();
    private readonly LinkedList<TaskCompletionSource> others = new();
    private bool held;
    private int interactiveWaiting;

    // Whether an interactive writer is waiting now: a background transaction checks this between
    // steps and commits early (PaymentEventApplier.ApplyBatchAsync). A plain read is enough: a
    // writer that arrives just after the check waits for one more step.
    public bool InteractiveWaiting => Volatile.Read(ref interactiveWaiting) > 0;

    public Task WaitAsync(bool isInteractive, CancellationToken ct)
    {
        LinkedListNode<TaskCompletionSource> node;
        lock (gate)
        {
            ct.ThrowIfCancellationRequested();
            if (!held)
            {
                held = true;
                return Task.CompletedTask;
            }

            var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            node = isInteractive ? interactive.AddLast(waiter) : others.AddLast(waiter);
            Volatile.Write(ref interactiveWaiting, interactive.Count);
        }

        return ct.CanBeCanceled ? WaitCancellableAsync(node, ct) : node.Value.Task;
    }

    private async Task WaitCancellableAsync(LinkedListNode<TaskCompletionSource> node, CancellationToken ct)
    {
        await using (ct.Register(() => Abandon(node, ct)))
        {
            await node.Value.Task;
        }
    }

    // Cancelled while waiting: out of the queue, unless Release has already handed it the turn (then
    // the caller holds it and releases it as usual).
    private void Abandon(LinkedListNode<TaskCompletionSource> node, CancellationToken ct)
    {
        lock (gate)
        {
            if (node.List is not { } queue)
            {
                return;
            }

            queue.Remove(node);
            Volatile.Write(ref interactiveWaiting, interactive.Count);
        }

        node.Value.TrySetCanceled(ct);
    }

    public void Release()
    {
        TaskCompletionSource next;
        lock (gate)
        {
            var node = interactive.First ?? others.First;
            if (node is null)
            {
                held = false;
                return;
            }

            node.List!.Remove(node);
            Volatile.Write(ref interactiveWaiting, interactive.Count);
            next = node.Value;
        }

        next.TrySetResult();
    }
}
