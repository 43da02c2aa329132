using System.Data.Common;
using Dapper;
using Microsoft.Net.Http.Headers;
using Orders.Api.Data;
using Orders.Licensing;

namespace Orders.Api.Licensing;

// The revocation list's number: one row (revocation_list), bumped in the transaction of every
// revocation, so the number never goes back (not with the clock, a restart or another instance).
internal static class RevocationSequence
{
    // changed_at never goes back either, even when an instance's clock is behind another's.
    private const string BumpSql = """
        UPDATE revocation_list
        SET list_sequence = list_sequence + 1,
            changed_at = CASE WHEN changed_at > @Now THEN changed_at ELSE @Now END
        WHERE id = 1
        """;

    // Every path that revokes calls this in its own transaction, after revoking; nothing revoked, nothing changes.
    public static async Task RecordAsync(DbConnection connection, DbTransaction tx, int revoked, DateTime now, CancellationToken ct)
    {
        if (revoked > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(BumpSql, new { Now = now }, tx, cancellationToken: ct));
        }
    }
}

internal sealed record RevocationListState(long Sequence, DateTime ChangedAt);

internal sealed record SignedRevocationList(long Sequence, EntityTagHeaderValue ETag, byte[] Bytes);

// Builds and signs the list once per sequence and keeps the signed bytes: a request reads one row,
// and usually answers 304 or the cached bytes.
internal sealed class RevocationLists(Db db, LicenseKeys keys) : IDisposable
{
    private const string StateSql = "SELECT list_sequence AS Sequence, changed_at AS ChangedAt FROM revocation_list WHERE id = 1";

    private const string RevokedIdsSql = "SELECT license_id FROM licenses WHERE status = 'revoked'";

    private readonly SemaphoreSlim building = new(1, 1);
    private volatile SignedRevocationList? latest;

    public async Task<RevocationListState> StateAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleAsync<RevocationListState>(new CommandDefinition(StateSql, cancellationToken: ct));
    }

    // Strong for what the list states: one sequence under one key is one set of revoked ids. (Each
    // instance signs it itself, and ECDSA signatures are randomised: either signature verifies.)
    public EntityTagHeaderValue ETagFor(long sequence) => new($"\"{sequence}-{keys.Signer.KeyId}\"");

    // A list at least as new as the state: ids are read after the state was, so a list never lacks a
    // revocation its number counts (a revocation committed in between shows up one number early).
    public async Task<SignedRevocationList> GetAsync(RevocationListState state, CancellationToken ct)
    {
        if (latest is { } cached && cached.Sequence >= state.Sequence)
        {
            return cached;
        }

        await building.WaitAsync(ct);
        try
        {
            if (latest is { } built && built.Sequence >= state.Sequence)
            {
                return built;
            }

            IEnumerable<string> ids;
            await using (var connection = await db.OpenAsync(ct))
            {
                ids = await connection.QueryAsync<string>(new CommandDefinition(RevokedIdsSql, cancellationToken: ct));
            }

            var changedAt = new DateTimeOffset(DateTime.SpecifyKind(state.ChangedAt, DateTimeKind.Utc));
            var list = RevocationList.Create(keys.Signer, state.Sequence, changedAt, ids);
            var signed = new SignedRevocationList(state.Sequence, ETagFor(state.Sequence), list.ToArray());
            latest = signed;
            return signed;
        }
        finally
        {
            building.Release();
        }
    }

    public void Dispose() => building.Dispose();
}
