using System.Net;
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Orders.Api.Data;
using Orders.Api.Hosting;

namespace Orders.Api.Support;

internal abstract record SignInOutcome
{
    // CookiePrincipal holds only the new session's id.
    public sealed record Succeeded(ClaimsPrincipal CookiePrincipal, StaffMember Staff) : SignInOutcome;

    // Wrong username or password; which of the two is never said.
    public sealed record Failed : SignInOutcome;

    // Too many failed sign-ins for this username or from this network: try again after RetryAfter.
    // Said the same way whether or not the username exists; no password was checked.
    public sealed record Throttled(TimeSpan RetryAfter) : SignInOutcome;

    // Only said to someone who knew the password.
    public sealed record Disabled : SignInOutcome;
}

// Checks a username and password and starts a session. Known and unknown usernames take the same
// path at the same cost: the same throttle, the same PBKDF2 work (an unknown one is checked against
// a hash of a password nobody has), the same audit write, the same answer. Failed sign-ins slow
// down (SignInThrottle) instead of locking the account.
internal sealed partial class StaffSignIn(Db db, AuditLog audit, StaffSessions sessions, SignInThrottle throttle, TimeProvider time, ILogger<StaffSignIn> logger)
{
    // The audit log's actor for a failed sign-in whose username matches no account (the name typed
    // is not kept: people type passwords into that field).
    public const string UnknownUserActor = "(unknown username)";

    private static readonly Lazy<string> DummyHash = new(() => StaffAccounts.Hasher.HashPassword(null!, Convert.ToBase64String(Guid.NewGuid().ToByteArray())));

    private const string FindSql = $"SELECT {StaffUser.Columns} FROM support_users WHERE username = @Username";

    private const string RecordSuccessSql = "UPDATE support_users SET last_sign_in_at = @Now WHERE id = @Id";

    private const string RehashSql = """
        UPDATE support_users SET password_hash = @NewHash WHERE id = @Id AND password_hash = @OldHash
        """;

    public async Task<SignInOutcome> SignInAsync(string? username, string? password, IPAddress? client, CancellationToken ct)
    {
        password ??= "";
        var name = StaffAccounts.Normalize(username ?? "");
        var network = RequestLog.ClientNetwork(client);
        if (throttle.Wait(name, network) is var wait && wait > TimeSpan.Zero)
        {
            LogThrottled(logger, network, (int)Math.Ceiling(wait.TotalSeconds));
            return new SignInOutcome.Throttled(wait);
        }

        StaffUser? user = null;
        if (StaffAccounts.UsernameProblem(name) is null)
        {
            await using var connection = await db.OpenAsync(ct);
            user = await connection.QuerySingleOrDefaultAsync<StaffUser>(new CommandDefinition(FindSql, new { Username = name }, cancellationToken: ct));
        }

        PasswordVerificationResult verdict;
        if (user is null || password.Length > StaffAccounts.MaxPasswordLength)
        {
            // The same work as a real check, whose result never counts. No password is longer than
            // MaxPasswordLength, and hashing megabytes would be a denial of service.
            StaffAccounts.Hasher.VerifyHashedPassword(null!, DummyHash.Value, password.Length > StaffAccounts.MaxPasswordLength ? "" : password);
            verdict = PasswordVerificationResult.Failed;
        }
        else
        {
            verdict = StaffAccounts.Hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        }

        if (verdict == PasswordVerificationResult.Failed)
        {
            throttle.Failed(name, network);
            if (user is null)
            {
                LogUnknownUser(logger);
                await audit.WriteAsync(null, UnknownUserActor, AuditActions.SignInFailed, null, null, "unknown username", ct);
            }
            else
            {
                LogWrongPassword(logger, user.Id);
                await audit.WriteAsync(user.Id, user.Username, AuditActions.SignInFailed, null, null, "wrong password", ct);
            }

            return new SignInOutcome.Failed();
        }

        throttle.Succeeded(name, network);
        if (user!.Disabled)
        {
            LogDisabled(logger, user.Id);
            await audit.WriteAsync(user.Id, user.Username, AuditActions.SignInFailed, null, null, "account is disabled", ct);
            return new SignInOutcome.Disabled();
        }

        var now = time.GetUtcNow().UtcDateTime;
        ClaimsPrincipal cookie;
        await using (var connection = await db.OpenAsync(ct))
        {
            await using var tx = await connection.BeginTransactionAsync(ct);
            if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
            {
                await connection.ExecuteAsync(new CommandDefinition(RehashSql,
                    new { user.Id, NewHash = StaffAccounts.Hasher.HashPassword(user, password), OldHash = user.PasswordHash }, tx, cancellationToken: ct));
            }

            await connection.ExecuteAsync(new CommandDefinition(RecordSuccessSql, new { user.Id, Now = now }, tx, cancellationToken: ct));
            cookie = await sessions.StartAsync(connection, tx, user.Id, now, ct);
            await audit.WriteAsync(connection, tx, user.Id, user.Username, AuditActions.SignedIn, null, null, null, ct);
            await tx.CommitAsync(ct);
        }

        LogSignedIn(logger, user.Id, user.Role);
        return new SignInOutcome.Succeeded(cookie, new StaffMember(user.Id, user.Username, user.Role));
    }

    // Usernames that match no account are not logged: people type passwords into that field.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Support sign-in failed: unknown username")]
    private static partial void LogUnknownUser(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Support sign-in failed for staff user {StaffUserId}: wrong password")]
    private static partial void LogWrongPassword(ILogger logger, long staffUserId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Support sign-in refused without checking: too many failed sign-ins (client network {ClientNetwork}, retry after {RetryAfterSeconds} s)")]
    private static partial void LogThrottled(ILogger logger, string clientNetwork, int retryAfterSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Support sign-in refused for staff user {StaffUserId}: account is disabled")]
    private static partial void LogDisabled(ILogger logger, long staffUserId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff user {StaffUserId} ({Role}) signed in")]
    private static partial void LogSignedIn(ILogger logger, long staffUserId, string role);
}
