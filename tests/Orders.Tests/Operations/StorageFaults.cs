using System.Diagnostics;
using System.Globalization;
using Dapper;
using Orders.Api.Data;

namespace Orders.Tests.Operations;

// Storage that refuses writes, for real, without mounting anything.
//
// Read-only files: the tests run as root here, and root writes to a chmod 0444 file anyway; so the
// database and its write-ahead log get the immutable attribute (chattr +i) instead. The kernel then
// refuses every write to them, through connections already open too (ext4 checks on each write),
// which is what a read-only remount or a failing disk does to a running service: SQLite answers
// "disk I/O error" on commit, and a connection opened meanwhile is read-only ("attempt to write a
// readonly database"). Tests that need it are skipped, saying why, where chattr is not allowed.
//
// A full disk: SQLite's max_page_count set to the file's current size on every connection the
// service holds, so any write that needs the file to grow gets SQLite's real "database or disk is
// full" from the pager, as on a full disk. It is a setting of each connection (the service keeps
// its SQLite connections open in a pool, Data/SqliteSessions.cs), so the service's pooled
// connections are all taken, limited and given back.
internal static class StorageFaults
{
    // More than the pool keeps idle (SqliteSessions.MaxIdle), so every idle connection is among them.
    private const int Connections = SqliteSessions.MaxIdle + 4;

    public static async Task<IAsyncDisposable> ReadOnlyAsync(string databasePath)
    {
        string[] files = [databasePath, databasePath + "-wal"];
        Assert.True(File.Exists(files[1]), "the database runs in WAL mode, so its log is there while the service runs");
        var (ok, error) = await ChattrAsync("+i", files);
        if (!ok)
        {
            Assert.Skip($"chattr +i is not allowed here ({error}); a read-only database file cannot be played without it.");
        }

        return new Restore(() => ChattrAsync("-i", files));
    }

    // For tests that make files read-only later, from inside the service's work: skip up front.
    public static async Task RequireReadOnlyFilesAsync(string directory)
    {
        Directory.CreateDirectory(directory);
        var scratch = Path.Combine(directory, "chattr-check");
        await File.WriteAllTextAsync(scratch, "");
        var (ok, error) = await ChattrAsync("+i", [scratch]);
        if (ok)
        {
            (ok, error) = await ChattrAsync("-i", [scratch]);
            Assert.True(ok, $"chattr -i failed: {error}");
        }

        File.Delete(scratch);
        Assert.SkipUnless(ok, $"chattr +i is not allowed here ({error}); a read-only database file cannot be played without it.");
    }

    public static Task RestoreWritableAsync(IAsyncDisposable readOnly) => readOnly.DisposeAsync().AsTask();

    // Returns the page count the connections were limited to.
    public static async Task<long> StopGrowthAsync(Db db)
    {
        await using var first = await db.OpenAsync(CancellationToken.None);
        var pages = await first.ExecuteScalarAsync<long>("PRAGMA page_count");
        await SetMaxPageCountAsync(db, pages, first);
        return pages;
    }

    // SQLite clamps this to its own largest size.
    public static Task AllowGrowthAsync(Db db) => SetMaxPageCountAsync(db, 4_294_967_294, null);

    // Takes (and gives back) more connections than the pool keeps idle, so some are opened now.
    public static async Task OpenManyAsync(Db db)
    {
        var held = new List<System.Data.Common.DbConnection>();
        try
        {
            for (var i = 0; i < Connections; i++)
            {
                held.Add(await db.OpenAsync(CancellationToken.None));
            }
        }
        finally
        {
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
        }
    }

    // How many of the connections the service hands out cannot write (SQLite opened the file read-only).
    public static async Task<int> ReadOnlyConnectionsAsync(Db db)
    {
        var held = new List<System.Data.Common.DbConnection>();
        var readOnly = 0;
        try
        {
            for (var i = 0; i < Connections; i++)
            {
                var connection = await db.OpenAsync(CancellationToken.None);
                held.Add(connection);
                try
                {
                    await using var transaction = await connection.BeginTransactionAsync();
                    await connection.ExecuteAsync("PRAGMA user_version = 0", transaction: transaction);
                    await transaction.RollbackAsync();
                }
                catch (Microsoft.Data.Sqlite.SqliteException e) when (e.SqliteErrorCode == 8)
                {
                    readOnly++;
                }
            }
        }
        finally
        {
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
        }

        return readOnly;
    }

    private static async Task SetMaxPageCountAsync(Db db, long pages, System.Data.Common.DbConnection? alreadyOpen)
    {
        var held = new List<System.Data.Common.DbConnection>();
        try
        {
            if (alreadyOpen is not null)
            {
                await alreadyOpen.ExecuteScalarAsync<long>(string.Create(CultureInfo.InvariantCulture, $"PRAGMA max_page_count = {pages}"));
            }

            for (var i = 0; i < Connections; i++)
            {
                var connection = await db.OpenAsync(CancellationToken.None);
                held.Add(connection);
                await connection.ExecuteScalarAsync<long>(string.Create(CultureInfo.InvariantCulture, $"PRAGMA max_page_count = {pages}"));
            }
        }
        finally
        {
            foreach (var connection in held)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private static async Task<(bool Ok, string Error)> ChattrAsync(string flag, string[] files)
    {
        try
        {
            var start = new ProcessStartInfo("chattr") { RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(flag);
            foreach (var file in files)
            {
                start.ArgumentList.Add(file);
            }

            using var process = Process.Start(start)!;
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode == 0, error.Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (false, e.Message);
        }
    }

    private sealed class Restore(Func<Task<(bool Ok, string Error)>> undo) : IAsyncDisposable
    {
        private bool done;

        public async ValueTask DisposeAsync()
        {
            if (done)
            {
                return;
            }

            done = true;
            var (ok, error) = await undo();
            Assert.True(ok, $"chattr -i failed: {error}");
        }
    }
}
