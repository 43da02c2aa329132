using System.Data.Common;
using System.Globalization;
using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Orders.Api.Data;

// Hands out open connections to the orders database, SQLite (embedded default) or SQL Server.
// SQLite connections are set up for durability: an acknowledged webhook must survive a power cut,
// so the file runs in WAL mode with synchronous=FULL.
internal sealed class Db(IOptions<DatabaseOptions> options)
{
    private readonly string connectionString = options.Value.ConnectionString;

    public DatabaseProvider Provider { get; } = options.Value.Provider;

    public string Pick(Dialect statement) => Provider == DatabaseProvider.SqlServer ? statement.SqlServer : statement.Sqlite;

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

        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
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
            pragma.CommandText = string.Create(CultureInfo.InvariantCulture,
                $"PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON; PRAGMA busy_timeout = {(long)connection.DefaultTimeout * 1000};");
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static bool IsUniqueViolation(DbException exception) => exception switch
    {
        SqliteException { SqliteErrorCode: 19 /* SQLITE_CONSTRAINT */, SqliteExtendedErrorCode: 2067 or 1555 } => true,
        SqlException sql => sql.Number is 2627 or 2601, // unique constraint / unique index
        _ => false,
    };
}
