using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace Orders.Api.Data;

// Compiled statements that outlive a Dapper call. Microsoft.Data.Sqlite keeps a command's compiled
// statements only for as long as that command object lives (dotnet/efcore#14044 asks for more and
// is open), and Dapper makes a new command for every call, so every query and insert was parsed and
// planned again: 10–25 µs a statement measured on the million-order database, a large share of a
// status look-up or a support search, and the largest part of SQLite's own time in the profiles.
//
// So SQLite connections stay open in a small pool of sessions here, and each session keeps the
// commands it has run, by SQL text. Db.OpenAsync hands out a lease: a DbConnection whose commands
// run on the session's cached command for their text (with this call's parameters and
// transaction) and whose Dispose gives the session back. Everything else stays as it was: Dapper,
// parameters only, one connection per unit of work. SQL Server caches plans on the server and is
// not involved. (Statements that live this long scatter SQLite's memory over glibc's per-thread
// arenas: see Hosting/NativeHeap.cs.)
internal sealed class SqliteSessions(string connectionString) : IDisposable
{
    // Idle sessions kept open; more than this at once (a burst) are closed when given back, and
    // their native connection goes to Microsoft.Data.Sqlite's own pool as before.
    internal const int MaxIdle = 16;

    private readonly ConcurrentStack<SqliteSession> idle = new();
    private volatile bool disposed;

    // Null when there is no idle session: the caller opens and sets up a new connection.
    public SqliteLease? TryRent() => idle.TryPop(out var session) ? new SqliteLease(session, this) : null;

    public SqliteLease Wrap(SqliteConnection opened) => new(new SqliteSession(opened), this);

    // A fresh connection, outside both pools: for the readiness probe, which must find out whether
    // the database file can be opened now, not whether an old connection still works.
    public SqliteConnection OpenUnpooled()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    internal void Return(SqliteSession session, bool reusable)
    {
        // SQLite opens a file it may not write (a read-only file or mount) read-only, and such a
        // connection stays read-only after the file is writable again: it is closed, with the idle
        // connections of Microsoft.Data.Sqlite's own pool, so the next one is opened afresh.
        if (session.Connection.Handle is { } handle && SQLitePCL.raw.sqlite3_db_readonly(handle, "main") == 1)
        {
            session.Dispose();
            using var sameFile = new SqliteConnection(connectionString);
            SqliteConnection.ClearPool(sameFile);
            return;
        }

        // Last-in first-out: the sessions in use most have compiled most.
        if (reusable && !disposed && idle.Count < MaxIdle)
        {
            idle.Push(session);
            if (disposed)
            {
                // Disposed meanwhile: whoever pops it closes it.
                CloseIdle();
            }

            return;
        }

        session.Dispose();
    }

    public void Dispose()
    {
        disposed = true;
        CloseIdle();
    }

    private void CloseIdle()
    {
        while (idle.TryPop(out var session))
        {
            session.Dispose();
        }
    }
}

// One open SQLite connection and the commands it has compiled, used by one lease at a time.
internal sealed class SqliteSession(SqliteConnection connection) : IDisposable
{
    // A bound on the statements kept per connection (each holds SQLite memory); the service has
    // fewer distinct statements than this on its busy paths. Beyond it, the oldest is dropped.
    internal const int MaxStatements = 128;

    private readonly Dictionary<string, SqliteCommand> statements = new(StringComparer.Ordinal);
    private readonly Queue<string> order = new();

    public SqliteConnection Connection => connection;

    internal int CachedStatements => statements.Count;

    public SqliteCommand Statement(string sql)
    {
        if (statements.TryGetValue(sql, out var cached))
        {
            return cached;
        }

        if (statements.Count >= MaxStatements && order.TryDequeue(out var oldest) && statements.Remove(oldest, out var dropped))
        {
            dropped.Dispose();
        }

        var command = connection.CreateCommand();
        command.CommandText = sql;
        statements.Add(sql, command);
        order.Enqueue(sql);
        return command;
    }

    public void Dispose()
    {
        foreach (var command in statements.Values)
        {
            command.Dispose();
        }

        statements.Clear();
        connection.Dispose();
    }
}

// The connection Db.OpenAsync hands out for SQLite. Disposing it gives the session back to the
// pool, once; a transaction left open is rolled back first. (A reader left open would keep its
// statement busy: running that statement again throws. Every reader here is disposed at once.)
internal sealed class SqliteLease(SqliteSession session, SqliteSessions pool) : DbConnection
{
    private SqliteTransaction? transaction;
    private bool returned;
    private bool discard;

    // After a failed write the connection is closed, not pooled: SQLite may keep a connection that met
    // a read-only or failing file in that state after the file is fine again.
    public void Discard() => discard = true;

    internal SqliteSession Session => returned ? throw new ObjectDisposedException(nameof(SqliteLease)) : session;

    [AllowNull]
    public override string ConnectionString
    {
        get => session.Connection.ConnectionString;
        set => throw new NotSupportedException("A leased connection keeps its connection string.");
    }

    public override string Database => session.Connection.Database;

    public override string DataSource => session.Connection.DataSource;

    public override string ServerVersion => session.Connection.ServerVersion;

    public override ConnectionState State => returned ? ConnectionState.Closed : session.Connection.State;

    public override void ChangeDatabase(string databaseName) => throw new NotSupportedException();

    // Handed out open; opening again after Dispose is a bug in the caller.
    public override void Open() => _ = Session;

    public override Task OpenAsync(CancellationToken cancellationToken)
    {
        Open();
        return Task.CompletedTask;
    }

    public override void Close() => Dispose(true);

    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel)
    {
        transaction = Session.Connection.BeginTransaction(isolationLevel);
        return transaction;
    }

    protected override DbCommand CreateDbCommand() => new CachedStatementCommand(this);

    protected override void Dispose(bool disposing)
    {
        if (disposing && !returned)
        {
            returned = true;
            var reusable = !discard;
            try
            {
                // A completed transaction lets go of its connection (Connection is null afterwards).
                if (transaction?.Connection is not null)
                {
                    transaction.Dispose();
                }
            }
            catch (SqliteException)
            {
                reusable = false;
            }

            transaction = null;
            pool.Return(session, reusable);
        }

        base.Dispose(disposing);
    }
}

// What Dapper (or any caller) gets from a lease's CreateCommand: it collects the text, parameters
// and transaction like any command, and runs them on the session's compiled command for that text.
// The parameters move to that command for the run and stay there until its next run, because
// SQLite binds a multi-statement text's later statements only as the reader reaches them.
internal sealed class CachedStatementCommand(SqliteLease lease) : DbCommand
{
    private readonly ParameterList parameters = [];
    private SqliteCommand? running;

    [AllowNull]
    public override string CommandText { get; set; } = "";

    public override int CommandTimeout { get; set; } = 30;

    public override CommandType CommandType
    {
        get => CommandType.Text;
        set
        {
            if (value != CommandType.Text)
            {
                throw new NotSupportedException("SQLite runs SQL text only.");
            }
        }
    }

    public override bool DesignTimeVisible { get; set; }

    public override UpdateRowSource UpdatedRowSource { get; set; }

    protected override DbConnection? DbConnection
    {
        get => lease;
        set
        {
            if (!ReferenceEquals(value, lease))
            {
                throw new NotSupportedException("A cached command belongs to the connection that created it.");
            }
        }
    }

    protected override DbParameterCollection DbParameterCollection => parameters;

    protected override DbTransaction? DbTransaction { get; set; }

    public override void Cancel() => running?.Cancel();

    // Compiled on first run and kept; nothing more to do.
    public override void Prepare()
    {
    }

    protected override DbParameter CreateDbParameter() => new SqliteParameter();

    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) =>
        Bind().ExecuteReader(behavior & ~CommandBehavior.CloseConnection);

    protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken) =>
        await Bind().ExecuteReaderAsync(behavior & ~CommandBehavior.CloseConnection, cancellationToken);

    public override int ExecuteNonQuery() => Bind().ExecuteNonQuery();

    public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => Bind().ExecuteNonQueryAsync(cancellationToken);

    public override object? ExecuteScalar() => Bind().ExecuteScalar();

    public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => Bind().ExecuteScalarAsync(cancellationToken);

    private SqliteCommand Bind()
    {
        var statement = lease.Session.Statement(CommandText);
        statement.Parameters.Clear();
        foreach (SqliteParameter parameter in parameters)
        {
            statement.Parameters.Add(parameter);
        }

        statement.Transaction = (SqliteTransaction?)DbTransaction;
        statement.CommandTimeout = CommandTimeout;
        running = statement;
        return statement;
    }

    private sealed class ParameterList : SqliteParameterCollection;
}
