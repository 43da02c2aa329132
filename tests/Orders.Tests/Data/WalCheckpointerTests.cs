using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Orders.Api.Data;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Data;

// Commits no longer copy SQLite's write-ahead log into the database file themselves (until it is
// very large); the WalCheckpointer does it in the background. Under a steady stream of writes it
// must still let the log start again from its beginning, or the log (and every read through it)
// would grow for as long as the writes go on.
public sealed class WalCheckpointerTests : IAsyncDisposable
{
    // Long enough that a log which never started again (every page written, ≈ 15 MB) is far from
    // the bound below, while the bound leaves room for a pass held up by a slow fsync on a shared
    // disk (the log then holds what was written meanwhile: 3.6 MB once, in CI, with 600).
    private const int Transactions = 1_200;
    private const int BlobBytes = 8 * 1024; // three 4 KiB pages a row: 3,600+ pages in all

    private readonly OrdersApp app = new();

    [Fact]
    public async Task UnderSteadyWritesTheLogIsCopiedInTheBackgroundAndStartsAgain()
    {
        var db = app.Services.GetRequiredService<Db>();
        await ExecuteAsync(db, "CREATE TABLE wal_probe (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)");

        // ≈ 4 s of small write transactions, each in its write turn like every writer's.
        var payload = new byte[BlobBytes];
        for (var i = 0; i < Transactions; i++)
        {
            Random.Shared.NextBytes(payload);
            using (await db.WriteTurnAsync(WritePriority.Request, CancellationToken.None))
            {
                await using var connection = await db.OpenAsync(CancellationToken.None);
                await using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO wal_probe (payload) VALUES (@Payload)";
                var parameter = insert.CreateParameter();
                parameter.ParameterName = "@Payload";
                parameter.Value = payload;
                insert.Parameters.Add(parameter);
                await insert.ExecuteNonQueryAsync();
            }

            if (i % 10 == 0)
            {
                await Task.Delay(30);
            }
        }

        // The log file never shrinks; its size is the most it ever held between two restarts.
        // Had it never started again it would hold every page written (≈ 15 MB), and commits only
        // copy it themselves at 10,000 pages, which these writes do not reach.
        var logBytes = new FileInfo(app.DatabasePath + "-wal").Length;
        Assert.InRange(logBytes, 1, 6 * 1024 * 1024);

        await using var check = await db.OpenAsync(CancellationToken.None);
        await using var count = check.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM wal_probe";
        Assert.Equal((long)Transactions, Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture));
    }

    private static async Task ExecuteAsync(Db db, string sql)
    {
        using (await db.WriteTurnAsync(WritePriority.Request, CancellationToken.None))
        {
            await using DbConnection connection = await db.OpenAsync(CancellationToken.None);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();
}
