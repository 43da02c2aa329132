using System.Net;
using System.Text.Json;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Operations;

// Readiness must say so while the database refuses writes: a full disk or a read-only file still
// answers reads, so a probe that only reads called such a service healthy (StorageFaults explains
// how each failure is produced for real).
public sealed class StorageHealthTests : ServiceTest
{
    [Fact]
    public async Task ReadinessIsUnhealthyWhileTheDatabaseCannotGrowAndHealthyAgainAtOnceWhenItCan()
    {
        await WaitForReadinessAsync(HttpStatusCode.OK);

        await StorageFaults.StopGrowthAsync(app.Db);
        var refused = await WaitForReadinessAsync(HttpStatusCode.ServiceUnavailable);
        var writes = refused.GetProperty("checks").GetProperty("database-writes");
        Assert.Equal("Unhealthy", writes.GetProperty("status").GetString());
        // SQLITE_FULL: "database or disk is full".
        Assert.Contains("SqliteException 13/", writes.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Healthy", refused.GetProperty("checks").GetProperty("database").GetProperty("status").GetString());

        await StorageFaults.AllowGrowthAsync(app.Db);
        await WaitForReadinessAsync(HttpStatusCode.OK, TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task ReadinessIsUnhealthyWhileTheDatabaseFileIsReadOnlyAndHealthyAgainAtOnceWhenItIsWritable()
    {
        await WaitForReadinessAsync(HttpStatusCode.OK);

        var readOnly = await StorageFaults.ReadOnlyAsync(app.DatabasePath);
        await using (readOnly)
        {
            var refused = await WaitForReadinessAsync(HttpStatusCode.ServiceUnavailable);
            var writes = refused.GetProperty("checks").GetProperty("database-writes");
            Assert.Equal("Unhealthy", writes.GetProperty("status").GetString());
            Assert.DoesNotContain(app.DataDirectory, refused.GetRawText(), StringComparison.Ordinal);
            // Connections opened meanwhile open the file read-only.
            await StorageFaults.OpenManyAsync(app.Db);
            await StorageFaults.RestoreWritableAsync(readOnly);
        }

        await WaitForReadinessAsync(HttpStatusCode.OK, TimeSpan.FromSeconds(5));
        // ...and none of them is kept: every connection the service holds writes again.
        Assert.Equal(0, await StorageFaults.ReadOnlyConnectionsAsync(app.Db));
    }

    // The probe answers from its last write for up to two seconds, so the change shows within that.
    private async Task<JsonElement> WaitForReadinessAsync(HttpStatusCode expected, TimeSpan? within = null)
    {
        var (status, body) = await Eventually.GetAsync(async () =>
        {
            using var response = await shop.Http.GetAsync("/health/ready");
            return (response.StatusCode, await response.ReadAsync<JsonElement>());
        }, r => r.StatusCode == expected, within ?? TimeSpan.FromSeconds(10), $"/health/ready to answer {(int)expected}");
        Assert.Equal(expected, status);
        return body;
    }
}
