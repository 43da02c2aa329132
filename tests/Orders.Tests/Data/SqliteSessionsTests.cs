using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;
using Orders.Api.Data;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Data;

// Db keeps SQLite connections open with the statements they have compiled (SqliteSessions): a
// statement is compiled once per connection and then only rebound, and whatever one unit of work
// leaves behind (an open transaction, its parameters) must not reach the next one.
public sealed class SqliteSessionsTests : IAsyncDisposable
{
    private readonly OrdersApp app = new();

    // Its own Db over the app's (migrated) database file, so the app's background work cannot take
    // a session in between and the sessions each test sees are the ones it gave back.
    private readonly Lazy<Db> db;

    public SqliteSessionsTests() =>
        db = new(() =>
        {
            _ = app.Services; // starts the app: the database file exists and is migrated
            return new Db(Options.Create(new DatabaseOptions { ConnectionString = $"Data Source={app.DatabasePath}" }));
        });

    private Db Db => db.Value;

    [Fact]
    public async Task AStatementIsCompiledOnceAndRunsWithEachCallsOwnParameters()
    {
        await ExecuteAsync("CREATE TABLE session_probe (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
        await ExecuteAsync("INSERT INTO session_probe (id, name) VALUES (1, 'one'), (2, 'two'), (3, 'three')");

        int cachedAfterFirst;
        SqliteSession session;
        await using (var first = await Db.OpenAsync(CancellationToken.None))
        {
            Assert.Equal("one", await first.QuerySingleAsync<string>("SELECT name FROM session_probe WHERE id = @Id", new { Id = 1 }));
            session = Session(first);
            cachedAfterFirst = session.CachedStatements;
            Assert.True(cachedAfterFirst > 0);
        }

        // One connection at a time: the same session comes back, with the statement already compiled.
        await using (var second = await Db.OpenAsync(CancellationToken.None))
        {
            Assert.Same(session, Session(second));
            Assert.Equal("three", await second.QuerySingleAsync<string>("SELECT name FROM session_probe WHERE id = @Id", new { Id = 3 }));
            Assert.Equal("two", await second.QuerySingleAsync<string>("SELECT name FROM session_probe WHERE id = @Id", new { Id = 2 }));
            Assert.Null(await second.QuerySingleOrDefaultAsync<string>("SELECT name FROM session_probe WHERE id = @Id", new { Id = 4 }));
            Assert.Equal(cachedAfterFirst, Session(second).CachedStatements);

            // A text with two statements binds the second one's parameter as the reader reaches it.
            using var grid = await second.QueryMultipleAsync("SELECT name FROM session_probe WHERE id = @A; SELECT name FROM session_probe WHERE id = @B", new { A = 1, B = 2 });
            Assert.Equal("one", await grid.ReadSingleAsync<string>());
            Assert.Equal("two", await grid.ReadSingleAsync<string>());
        }
    }

    [Fact]
    public async Task ATransactionLeftOpenIsRolledBackBeforeTheConnectionIsReused()
    {
        await ExecuteAsync("CREATE TABLE session_probe (id INTEGER PRIMARY KEY)");

        var abandoned = await Db.OpenAsync(CancellationToken.None);
        var session = Session(abandoned);
        var tx = await abandoned.BeginTransactionAsync();
        await abandoned.ExecuteAsync("INSERT INTO session_probe (id) VALUES (1)", transaction: tx);
        await abandoned.DisposeAsync(); // the transaction neither committed nor disposed

        await using var next = await Db.OpenAsync(CancellationToken.None);
        Assert.Same(session, Session(next));
        Assert.Equal(0L, await next.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM session_probe"));

        // And the connection takes new transactions as usual.
        await using var again = await next.BeginTransactionAsync();
        await next.ExecuteAsync("INSERT INTO session_probe (id) VALUES (2)", transaction: again);
        await again.CommitAsync();
        Assert.Equal(1L, await next.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM session_probe"));
    }

    [Fact]
    public async Task DisposingAConnectionTwiceGivesItsSessionBackOnce()
    {
        var connection = await Db.OpenAsync(CancellationToken.None);
        await connection.DisposeAsync();
        await connection.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => connection.CreateCommand().ExecuteScalar());

        // Had the session gone back twice, these two would share one SQLite connection.
        await using var a = await Db.OpenAsync(CancellationToken.None);
        await using var b = await Db.OpenAsync(CancellationToken.None);
        Assert.NotSame(Session(a), Session(b));
    }

    [Fact]
    public async Task ListsOfEveryLengthShareAFewCompiledStatementsAndFindTheSameRows()
    {
        await ExecuteAsync("CREATE TABLE session_probe (id INTEGER PRIMARY KEY)");
        await ExecuteAsync("WITH RECURSIVE n (v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 40) INSERT INTO session_probe (id) SELECT v FROM n");

        await using var connection = await Db.OpenAsync(CancellationToken.None);
        var before = Session(connection).CachedStatements;
        for (var length = 1; length <= 32; length++)
        {
            long[] ids = [.. Enumerable.Range(1, length).Select(i => (long)i * 2)]; // 2, 4, …: some beyond the table
            var found = await connection.QueryAsync<long>("SELECT id FROM session_probe WHERE id IN @Ids ORDER BY id", new { Ids = ids });
            Assert.Equal(ids.Where(id => id <= 40), found);
        }

        // Padded (StorageRegistration): lengths 1–5 as they are, then in steps of ten (10, 20, 30,
        // 40): nine texts for lengths 1–32, not 32.
        Assert.Equal(before + 9, Session(connection).CachedStatements);
    }

    private static SqliteSession Session(DbConnection connection) => ((SqliteLease)connection).Session;

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await Db.OpenAsync(CancellationToken.None);
        using (await Db.WriteTurnAsync(WritePriority.Request, CancellationToken.None))
        {
            await connection.ExecuteAsync(sql);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (db.IsValueCreated)
        {
            db.Value.Dispose();
        }

        await app.DisposeAsync();
    }
}
