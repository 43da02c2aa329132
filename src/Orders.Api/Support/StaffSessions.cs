using System.Data.Common;
using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;
using Orders.Api.Data;

namespace Orders.Api.Support;

// A signed-in staff user's session as the request sees it: which row, which account.
internal sealed record ActiveStaffSession(long SessionId, StaffMember Staff);

// Staff sessions live in the database (staff_sessions), shared by every instance. The cookie carries
// only a random session id (inside the data-protected cookie); the table keeps its SHA-256 hash, so
// a copy of the table opens no session. Each request looks its session up (one indexed read, and a
// write of last_seen_at at most once a minute): signing out, disabling the account or resetting its
// password ends the row, and every copy of the cookie stops working at once. The idle timeout and
// the maximum length are decided here too, not by the cookie.
internal sealed partial class StaffSessions(Db db, IOptions<SupportOptions> options, TimeProvider time, ILogger<StaffSessions> logger)
{
    // In the cookie: the random session id. After validation: the row id (sign-out ends that row).
    public const string TokenClaim = "orders:session";
    public const string SessionIdClaim = "orders:session_id";

    // last_seen_at is written when it is at least this old: the idle timeout is minutes, not seconds.
    private static readonly TimeSpan TouchInterval = TimeSpan.FromMinutes(1);

    private static readonly Dialect InsertSql = new(
        Sqlite: """
            INSERT INTO staff_sessions (token_hash, staff_user_id, created_at, last_seen_at, expires_at)
            VALUES (@TokenHash, @StaffUserId, @Now, @Now, @ExpiresAt)
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO staff_sessions (token_hash, staff_user_id, created_at, last_seen_at, expires_at)
            OUTPUT INSERTED.id
            VALUES (@TokenHash, @StaffUserId, @Now, @Now, @ExpiresAt)
            """,
        PostgreSql: """
            INSERT INTO staff_sessions (token_hash, staff_user_id, created_at, last_seen_at, expires_at)
            VALUES (@TokenHash, @StaffUserId, @Now, @Now, @ExpiresAt)
            RETURNING id
            """);

    // Rows that can open nothing any more: kept only until the next sign-in.
    private const string PurgeSql = """
        DELETE FROM staff_sessions WHERE ended_at IS NOT NULL OR expires_at <= @Now OR last_seen_at <= @IdleSince
        """;

    private const string FindSql = """
        SELECT s.id AS SessionId, s.last_seen_at AS LastSeenAt, s.expires_at AS ExpiresAt,
               u.id AS StaffUserId, u.username AS Username, u.role AS Role
        FROM staff_sessions s
        JOIN support_users u ON u.id = s.staff_user_id
        WHERE s.token_hash = @TokenHash AND s.ended_at IS NULL AND u.disabled = 0
        """;

    private const string TouchSql = "UPDATE staff_sessions SET last_seen_at = @Now WHERE id = @Id AND ended_at IS NULL";

    private const string EndSql = "UPDATE staff_sessions SET ended_at = @Now WHERE id = @Id AND ended_at IS NULL";

    private const string EndAllSql = """
        UPDATE staff_sessions SET ended_at = @Now
        WHERE ended_at IS NULL AND staff_user_id IN (SELECT id FROM support_users WHERE username = @Username)
        """;

    private sealed class SessionRow
    {
        public long SessionId { get; init; }
        public DateTime LastSeenAt { get; init; }
        public DateTime ExpiresAt { get; init; }
        public long StaffUserId { get; init; }
        public string Username { get; init; } = "";
        public string Role { get; init; } = "";
    }

    // Starts a session in the caller's sign-in transaction; returns the principal for the cookie,
    // which holds nothing but the new session id.
    public async Task<ClaimsPrincipal> StartAsync(DbConnection connection, DbTransaction tx, long staffUserId, DateTime now, CancellationToken ct)
    {
        var o = options.Value;
        await connection.ExecuteAsync(new CommandDefinition(PurgeSql, new { Now = now, IdleSince = now - o.IdleTimeout }, tx, cancellationToken: ct));
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        await connection.ExecuteScalarAsync<long>(new CommandDefinition(db.Pick(InsertSql),
            new { TokenHash = Hash(token), StaffUserId = staffUserId, Now = now, ExpiresAt = now + o.MaxSessionLength }, tx, cancellationToken: ct));
        return new ClaimsPrincipal(new ClaimsIdentity([new Claim(TokenClaim, token)], SupportAuthentication.Scheme));
    }

    // The session a cookie names, if it is still open: not ended, not idle too long, not past its
    // maximum length, and its account not disabled.
    public async Task<ActiveStaffSession?> FindAsync(string token, CancellationToken ct)
    {
        var o = options.Value;
        var now = time.GetUtcNow().UtcDateTime;
        await using var connection = await db.OpenAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<SessionRow>(new CommandDefinition(FindSql, new { TokenHash = Hash(token) }, cancellationToken: ct));
        if (row is null)
        {
            return null;
        }

        if (now >= row.ExpiresAt || now - row.LastSeenAt >= o.IdleTimeout)
        {
            await connection.ExecuteAsync(new CommandDefinition(EndSql, new { Id = row.SessionId, Now = now }, cancellationToken: ct));
            LogSessionExpired(logger, row.StaffUserId, now >= row.ExpiresAt ? "maximum length reached" : "idle too long");
            return null;
        }

        if (now - row.LastSeenAt >= TouchInterval)
        {
            await connection.ExecuteAsync(new CommandDefinition(TouchSql, new { Id = row.SessionId, Now = now }, cancellationToken: ct));
        }

        return new ActiveStaffSession(row.SessionId, new StaffMember(row.StaffUserId, row.Username, row.Role));
    }

    public async Task EndAsync(long sessionId, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(EndSql, new { Id = sessionId, Now = time.GetUtcNow().UtcDateTime }, cancellationToken: ct));
    }

    // Every open session of the account: in the transaction that disables it or resets its password.
    public static Task<int> EndAllAsync(DbConnection connection, DbTransaction tx, string username, DateTime now, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(EndAllSql, new { Username = username, Now = now }, tx, cancellationToken: ct));

    // What the request runs as once its session is found: built from the account as it is now.
    public static ClaimsPrincipal Principal(ActiveStaffSession session) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, session.Staff.Id.ToString(CultureInfo.InvariantCulture)),
                new Claim(ClaimTypes.Name, session.Staff.Username),
                new Claim(ClaimTypes.Role, session.Staff.Role),
                new Claim(SessionIdClaim, session.SessionId.ToString(CultureInfo.InvariantCulture)),
            ],
            SupportAuthentication.Scheme,
            ClaimTypes.Name,
            ClaimTypes.Role));

    public static long? SessionIdOf(ClaimsPrincipal principal) =>
        long.TryParse(principal.FindFirstValue(SessionIdClaim), CultureInfo.InvariantCulture, out var id) ? id : null;

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(Level = LogLevel.Information, Message = "Support session of staff user {StaffUserId} ended: {Reason}")]
    private static partial void LogSessionExpired(ILogger logger, long staffUserId, string reason);
}
