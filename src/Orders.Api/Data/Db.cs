using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Orders.Api.Data;

// Hands out open connections to the orders database, SQLite (embedded default), SQL Server or
// PostgreSQL.
// SQLite connections are set up for durability: an acknowledged webhook must survive a power cut,
// so the file runs in WAL mode with synchronous=FULL.
[SuppressMessage("Reliability", "CA1001", Justification = "The background write-turn semaphore never creates a wait handle; there is nothing to dispose, and a turn released during shutdown must not throw.")]
internal sealed class Db(IOptions<DatabaseOptions> options) : IDisposable
{
    private readonly string connectionString = options.Value.ConnectionString;

    // Open SQLite connections with their compiled statements (SqliteSessions.cs).
    private readonly SqliteSessions sessions = new(options.Value.ConnectionString);

    // SQLite runs one writer at a time, and a writer that finds the file locked waits in SQLite's
    // busy handler: it sleeps and polls (1, 2, 5 … 100 ms) with no queue, so while job transactions
    // follow each other back to back a checkout could lose the race again and again (p99 of
    // 0.4–2 s during a webhook backlog). Writers in this process therefore take turns here first
    // (WriteTurnQueue: first come first served, a customer's write ahead of the rest), so the lock
    // is free when a writer's turn comes. Background work (jobs applying groups of events, sending
    // e-mails) queues for one background slot first, so a request's write waits behind at most
    // one job transaction plus the requests ahead of it. SQL Server has its own lock manager: no
    // gate there.
    private readonly WriteTurnQueue writeTurn = new();
    private readonly SemaphoreSlim backgroundWriteTurn = new(1, 1);

    // Holds one item once a write turn has ended since the WAL checkpointer last looked
    // (WalCheckpointer): it copies the WAL into the database file in the background.
    private readonly Channel<bool> wrote = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    internal ChannelReader<bool> Writes => wrote.Reader;

    // The PRAGMAs below are settings of the SQLite connection itself, and Microsoft.Data.Sqlite pools
    // connections (the native handle lives on between opens), so they are run once per native
    // connection rather than again whenever a connection is opened (a session beyond
    // SqliteSessions.MaxIdle is closed and a later burst reopens it from that pool). Keyed weakly by
    // the native handle, so a closed-for-good connection's entry goes with it.
    // ConnectionSettingsTests checks new and pooled connections alike.
    private static readonly object Configured = new();
    private readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> configured = new();

    public DatabaseProvider Provider { get; } = options.Value.Provider;

    // Npgsql's pool for this connection string (created on first use, so SQLite never builds one).
    private readonly Lazy<NpgsqlDataSource> postgres = new(() => NpgsqlDataSource.Create(options.Value.ConnectionString));

    // An interactive writer (a checkout) is waiting for the write turn: a long background
    // transaction should commit what it has and queue again (PaymentEventApplier.ApplyBatchAsync).
    public bool InteractiveWriterWaiting => writeTurn.InteractiveWaiting;

    public string Pick(Dialect statement) => Provider switch
    {
        DatabaseProvider.SqlServer => statement.SqlServer,
        DatabaseProvider.PostgreSql => statement.PostgreSql,
        _ => statement.Sqlite,
    };

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (Provider == DatabaseProvider.SqlServer)
        {
            var sqlServer = new SqlConnection(connectionString);
            try
            {
                await sqlServer.OpenAsync(cancellationToken);
                return sqlServer;
            }
            catch
            {
                await sqlServer.DisposeAsync();
                throw;
            }
        }

        if (Provider == DatabaseProvider.PostgreSql)
        {
            return new PostgreSqlConnection(await postgres.Value.OpenConnectionAsync(cancellationToken));
        }

        if (sessions.TryRent() is { } lease)
        {
            return lease;
        }

        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            if (connection.Handle is not { } handle || !configured.TryGetValue(handle, out _))
            {
                await ConfigureAsync(connection, cancellationToken);
            }

            return sessions.Wrap(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    // Whether the database can be opened and queried now: a new connection, not a pooled one that
    // may still hold a file that has since gone (the readiness probe).
    public async Task ProbeAsync(CancellationToken cancellationToken)
    {
        await using DbConnection connection = Provider == DatabaseProvider.Sqlite
            ? sessions.OpenUnpooled()
            : await OpenAsync(cancellationToken);
        await using var probe = connection.CreateCommand();
        probe.CommandText = ProbeSql;
        await probe.ExecuteScalarAsync(cancellationToken);
    }

    private const string ProbeSql = "SELECT 1";

    // Once per native connection (see `configured`).
    private async Task ConfigureAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var pragma = connection.CreateCommand();
        // busy_timeout: a writer that finds the database locked by another writer (the inbox's
        // group commit, a job, another instance) waits inside SQLite, which retries within a
        // millisecond or two. Without it Microsoft.Data.Sqlite retries by itself after a blocking
        // Thread.Sleep(150): every lock conflict cost a thread-pool thread 150 ms, which under a
        // webhook backlog meant 100 orders/s and seconds of p99 for everyone. The wait is bounded
        // by the connection's Default Timeout, as before.
        // secure_delete: content SQLite frees (an updated row's old cell, a deleted row, a freed
        // page) is overwritten with zeros, so an erased e-mail address or name does not linger
        // in the file's free space (PRIVACY.md, erasure).
        // wal_autocheckpoint: checkpoints run in the background (WalCheckpointer); a commit
        // copies the WAL itself only if that has fallen far behind.
        pragma.CommandText = string.Create(CultureInfo.InvariantCulture,
            $"PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA busy_timeout = {(long)connection.DefaultTimeout * 1000}; PRAGMA wal_autocheckpoint = {WalCheckpointer.CommitPathCheckpointPages};");
        await pragma.ExecuteNonQueryAsync(cancellationToken);
        if (connection.Handle is { } opened)
        {
            configured.AddOrUpdate(opened, Configured);
        }
    }

    public void Dispose()
    {
        sessions.Dispose();
        if (postgres.IsValueCreated)
        {
            postgres.Value.Dispose();
        }
    }

    // Hold the result (using) around one write transaction or write statement, never around a call
    // to anything slow or to code that writes itself (the turn is not re-entrant).
    public ValueTask<WriteTurn> WriteTurnAsync(WritePriority priority, CancellationToken ct) => TakeTurnAsync(priority, wakesCheckpointer: true, ct);

    // The checkpointer's own turn (it writes nothing, so it does not wake itself).
    internal ValueTask<WriteTurn> CheckpointTurnAsync(CancellationToken ct) => TakeTurnAsync(WritePriority.Request, wakesCheckpointer: false, ct);

    private async ValueTask<WriteTurn> TakeTurnAsync(WritePriority priority, bool wakesCheckpointer, CancellationToken ct)
    {
        if (Provider != DatabaseProvider.Sqlite)
        {
            return default;
        }

        var background = priority == WritePriority.Background;
        if (background)
        {
            await backgroundWriteTurn.WaitAsync(ct);
        }

        try
        {
            await writeTurn.WaitAsync(priority == WritePriority.Interactive, ct);
        }
        catch
        {
            if (background)
            {
                backgroundWriteTurn.Release();
            }

            throw;
        }

        return new WriteTurn(this, background, wakesCheckpointer);
    }

    internal readonly struct WriteTurn(Db? db, bool background, bool wakesCheckpointer) : IDisposable
    {
        public void Dispose()
        {
            if (db is null)
            {
                return;
            }

            db.writeTurn.Release();
            if (background)
            {
                db.backgroundWriteTurn.Release();
            }

            if (wakesCheckpointer)
            {
                db.wrote.Writer.TryWrite(true);
            }
        }
    }

    public static bool IsUniqueViolation(DbException exception) => exception switch
    {
        SqliteException { SqliteErrorCode: 19 /* SQLITE_CONSTRAINT */, SqliteExtendedErrorCode: 2067 or 1555 } => true,
        SqlException sql => sql.Number is 2627 or 2601, // unique constraint / unique index
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        _ => false,
    };
}

internal enum WritePriority
{
    // A person is waiting for the page: a customer's checkout or consent answer, a staff member's
    // resend or revoke. Goes ahead of everyone waiting, and a group of events being applied
    // commits early to let it in.
    Interactive,

    // A request a program is waiting for: a webhook's group commit, an event applied on its own.
    Request,

    // Jobs working off a queue.
    Background,
}
