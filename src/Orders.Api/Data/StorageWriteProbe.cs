using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using Dapper;

namespace Orders.Api.Data;

// Whether the orders database takes writes now (the readiness check). Reading is not enough: a full
// disk or a read-only file still answers SELECT 1 while every order, event and e-mail outcome is
// refused. The probe writes for real, in a transaction that leaves nothing behind and needs no table:
//   SQLite, on one of the service's own connections: BEGIN IMMEDIATE (a read-only file refuses
//   here), a scratch table filled with 64 KiB inside a savepoint that is rolled back (the file must
//   be able to grow: "database or disk is full"), then the header's user_version rewritten with its
//   own value and committed, so one page really reaches the log and is synced (a read-only file or
//   mount, an I/O error, a log that cannot grow fail here).
//   SQL Server and PostgreSQL: the same scratch table and 64 KiB in a transaction that is rolled
//   back; the work is logged and allocated before the rollback (read-only database or standby,
//   full log or disk, full filegroup).
// One probe at a time and at most one per ProbeInterval; readiness calls in between get its answer,
// so polling /health/ready cannot turn into a stream of synced writes.
internal sealed class StorageWriteProbe(Db db) : IDisposable
{
    internal static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(2);

    private static readonly Dialect ScratchWriteSql = new(
        Sqlite: """
            CREATE TABLE storage_probe (b BLOB NOT NULL);
            INSERT INTO storage_probe (b) VALUES (zeroblob(65536));
            """,
        SqlServer: """
            CREATE TABLE storage_probe (b varbinary(max) NOT NULL);
            INSERT INTO storage_probe (b) VALUES (CONVERT(varbinary(max), REPLICATE(CONVERT(varchar(max), '0'), 65536)));
            """,
        // EXTERNAL: stored out of line and uncompressed, so 64 KiB of zeros take 64 KiB.
        PostgreSql: """
            CREATE TABLE storage_probe (b bytea NOT NULL);
            ALTER TABLE storage_probe ALTER COLUMN b SET STORAGE EXTERNAL;
            INSERT INTO storage_probe (b) VALUES (decode(repeat('00', 65536), 'hex'));
            """);

    private readonly SemaphoreSlim probing = new(1, 1);
    private Outcome? last;

    // The real clock on purpose: this paces storage housekeeping, not business time.
    public async Task<Outcome> ProbeAsync(CancellationToken cancellationToken)
    {
        if (Fresh(last) is { } recent)
        {
            return recent;
        }

        await probing.WaitAsync(cancellationToken);
        try
        {
            if (Fresh(last) is { } meanwhile)
            {
                return meanwhile;
            }

            var outcome = await WriteAsync(cancellationToken);
            last = outcome;
            return outcome;
        }
        finally
        {
            probing.Release();
        }
    }

    private static Outcome? Fresh(Outcome? outcome) =>
        outcome is not null && Stopwatch.GetElapsedTime(outcome.At) < ProbeInterval ? outcome : null;

    private async Task<Outcome> WriteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await db.OpenAsync(cancellationToken);
            try
            {
                await WriteOnceAsync(connection, cancellationToken);
            }
            catch (Exception) when (connection is SqliteLease lease)
            {
                // Not back into the pool: the next probe tries a fresh connection.
                lease.Discard();
                throw;
            }

            return new Outcome(null, Stopwatch.GetTimestamp());
        }
        catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
        {
            // The error's type and SQLite code only: messages can carry paths and connection details.
            var error = e is Microsoft.Data.Sqlite.SqliteException sqlite
                ? string.Create(CultureInfo.InvariantCulture, $"{e.GetType().Name} {sqlite.SqliteErrorCode}/{sqlite.SqliteExtendedErrorCode}")
                : e is Microsoft.Data.SqlClient.SqlException sql ? string.Create(CultureInfo.InvariantCulture, $"{e.GetType().Name} {sql.Number}")
                : e is Npgsql.PostgresException postgres ? $"{e.GetType().Name} {postgres.SqlState}" : e.GetType().Name;
            return new Outcome(error, Stopwatch.GetTimestamp());
        }
    }

    private async Task WriteOnceAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        using (await db.WriteTurnAsync(WritePriority.Request, cancellationToken))
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (db.Provider != DatabaseProvider.Sqlite)
            {
                await connection.ExecuteAsync(new CommandDefinition(db.Pick(ScratchWriteSql), transaction: transaction, cancellationToken: cancellationToken));
                await transaction.RollbackAsync(cancellationToken);
            }
            else
            {
                await WriteSqliteAsync(connection, transaction, cancellationToken);
            }
        }
    }

    private async Task WriteSqliteAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        // Rolling back the scratch table makes this one connection compile its statements again
        // (SQLite expires them on a rolled-back schema change); other connections are untouched.
        // If the scratch write fails, SQLite may already have rolled back the whole transaction;
        // disposing it (the caller's `await using`) copes with either.
        await transaction.SaveAsync("storage_probe", cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(db.Pick(ScratchWriteSql), transaction: transaction, cancellationToken: cancellationToken));
        await transaction.RollbackAsync("storage_probe", cancellationToken);
        await transaction.ReleaseAsync("storage_probe", cancellationToken);
        await using (var read = connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "PRAGMA user_version";
            var version = Convert.ToInt64(await read.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture);
            await using var write = connection.CreateCommand();
            write.Transaction = transaction;
            write.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {version}");
            await write.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public void Dispose() => probing.Dispose();

    // Error: null when the write went through; otherwise what refused it, safe to show.
    internal sealed record Outcome(string? Error, long At);
}
