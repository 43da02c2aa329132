using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Orders.Api.Data;

// Hands out open connections. Each connection is set up for durability: an acknowledged webhook
// must survive a power cut, so SQLite runs in WAL mode with synchronous=FULL.
internal sealed class Db(IOptions<DatabaseOptions> options)
{
    private readonly string connectionString = options.Value.ConnectionString;

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;";
            await pragma.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static bool IsUniqueViolation(DbException exception) =>
        exception is SqliteException { SqliteErrorCode: 19 /* SQLITE_CONSTRAINT */, SqliteExtendedErrorCode: 2067 or 1555 };
}
