using System.Data.Common;
using Microsoft.Extensions.DependencyInjection;
using Orders.Api.Data;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Data;

// Db sets its SQLite PRAGMAs once per native connection and relies on the pool to keep them:
// every connection it hands out, new or reused, must have them, or an acknowledged webhook is not
// durable (synchronous), erased data lingers (secure_delete), writers spin (busy_timeout) or a
// commit copies the log into the file itself (wal_autocheckpoint, see WalCheckpointer).
public sealed class ConnectionSettingsTests : IAsyncDisposable
{
    private readonly OrdersApp app = new();

    [Fact]
    public async Task EveryConnectionNewOrPooledHasTheDurabilityAndPrivacySettings()
    {
        var db = app.Services.GetRequiredService<Db>();
        for (var round = 0; round < 3; round++)
        {
            // Several open at once (new native connections), then again (taken from the pool).
            var open = new List<DbConnection>();
            for (var i = 0; i < 4; i++)
            {
                open.Add(await db.OpenAsync(CancellationToken.None));
            }

            foreach (var connection in open)
            {
                Assert.Equal(2L, await PragmaAsync(connection, "synchronous")); // FULL
                Assert.Equal(1L, await PragmaAsync(connection, "foreign_keys"));
                Assert.Equal(1L, await PragmaAsync(connection, "secure_delete"));
                Assert.True(await PragmaAsync(connection, "busy_timeout") > 0);
                Assert.Equal(WalCheckpointer.CommitPathCheckpointPages, await PragmaAsync(connection, "wal_autocheckpoint"));
                await connection.DisposeAsync();
            }
        }
    }

    private static async Task<long> PragmaAsync(DbConnection connection, string name)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = name switch
        {
            "synchronous" => "PRAGMA synchronous",
            "foreign_keys" => "PRAGMA foreign_keys",
            "secure_delete" => "PRAGMA secure_delete",
            "wal_autocheckpoint" => "PRAGMA wal_autocheckpoint",
            _ => "PRAGMA busy_timeout",
        };
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();
}
