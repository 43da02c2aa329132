using Microsoft.Extensions.Options;
using Orders.Api.Data;

namespace Orders.Tests.Processing;

// SQLite writers of one process take turns in order instead of racing in SQLite's busy handler;
// a request waits behind at most one background (job) transaction, and a customer's checkout goes
// ahead of everyone waiting.
public sealed class SqliteWriteTurnTests
{
    [Fact]
    public async Task ARequestsWriteGoesBeforeQueuedJobWritesButAfterTheOneRunning()
    {
        var db = new Db(Options.Create(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = "Data Source=unused.db" }));

        var running = await db.WriteTurnAsync(WritePriority.Background, CancellationToken.None);
        var nextJob = db.WriteTurnAsync(WritePriority.Background, CancellationToken.None).AsTask();
        var request = db.WriteTurnAsync(WritePriority.Request, CancellationToken.None).AsTask();
        Assert.False(request.IsCompleted);
        Assert.False(nextJob.IsCompleted);

        running.Dispose();
        var requestTurn = await request;
        Assert.False(nextJob.IsCompleted);
        requestTurn.Dispose();
        (await nextJob).Dispose();

        // Requests among themselves: first come, first served.
        var first = await db.WriteTurnAsync(WritePriority.Request, CancellationToken.None);
        var second = db.WriteTurnAsync(WritePriority.Request, CancellationToken.None).AsTask();
        var third = db.WriteTurnAsync(WritePriority.Request, CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        first.Dispose();
        (await second).Dispose();
        (await third).Dispose();
    }

    [Theory]
    [InlineData(false)] // a job, waiting for the background slot
    [InlineData(true)] // a checkout, waiting in the queue itself
    public async Task AWaiterThatGivesUpLeavesTheQueueAndDoesNotBlockTheOthers(bool checkout)
    {
        var priority = checkout ? WritePriority.Interactive : WritePriority.Background;
        var db = new Db(Options.Create(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = "Data Source=unused.db" }));
        var running = await db.WriteTurnAsync(WritePriority.Background, CancellationToken.None);
        using var giveUp = new CancellationTokenSource();
        var canceled = db.WriteTurnAsync(priority, giveUp.Token).AsTask();
        var request = db.WriteTurnAsync(WritePriority.Request, CancellationToken.None).AsTask();
        Assert.Equal(checkout, db.InteractiveWriterWaiting);

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => canceled);
        Assert.False(db.InteractiveWriterWaiting);
        running.Dispose();
        (await request).Dispose();

        // Already canceled: never queued, never holds the turn.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => db.WriteTurnAsync(priority, giveUp.Token).AsTask());
        (await db.WriteTurnAsync(WritePriority.Background, CancellationToken.None)).Dispose();
    }

    [Fact]
    public async Task ACheckoutsWriteGoesAheadOfEveryoneWaiting()
    {
        var db = new Db(Options.Create(new DatabaseOptions { Provider = DatabaseProvider.Sqlite, ConnectionString = "Data Source=unused.db" }));

        var running = await db.WriteTurnAsync(WritePriority.Background, CancellationToken.None);
        var groupCommit = db.WriteTurnAsync(WritePriority.Request, CancellationToken.None).AsTask();
        Assert.False(db.InteractiveWriterWaiting);
        var firstCheckout = db.WriteTurnAsync(WritePriority.Interactive, CancellationToken.None).AsTask();
        var secondCheckout = db.WriteTurnAsync(WritePriority.Interactive, CancellationToken.None).AsTask();
        Assert.True(db.InteractiveWriterWaiting);

        running.Dispose();
        var first = await firstCheckout;
        Assert.False(groupCommit.IsCompleted);
        Assert.False(secondCheckout.IsCompleted);
        first.Dispose();
        var second = await secondCheckout;
        Assert.False(db.InteractiveWriterWaiting);
        Assert.False(groupCommit.IsCompleted);
        second.Dispose();
        (await groupCommit).Dispose();

        // With the turn free, a checkout takes it at once like anyone else.
        (await db.WriteTurnAsync(WritePriority.Interactive, CancellationToken.None)).Dispose();
    }

    [Fact]
    public async Task SqlServerHasNoGate()
    {
        // SQL Server orders writers with its own locks: a second turn is granted while the first is held.
        var db = new Db(Options.Create(new DatabaseOptions { Provider = DatabaseProvider.SqlServer, ConnectionString = "Server=unused" }));
        var one = db.WriteTurnAsync(WritePriority.Background, CancellationToken.None);
        var two = db.WriteTurnAsync(WritePriority.Interactive, CancellationToken.None);

        Assert.True(one.IsCompletedSuccessfully);
        Assert.True(two.IsCompletedSuccessfully);
        Assert.False(db.InteractiveWriterWaiting);
        (await two).Dispose();
        (await one).Dispose();
    }
}
