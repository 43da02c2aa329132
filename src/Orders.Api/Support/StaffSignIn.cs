using System.Globalization;
using System.Security.Claims;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using Orders.Api.Data;

namespace Orders.Api.Support;

internal abstract record SignInOutcome
{
    public sealed record Succeeded(ClaimsPrincipal Principal, StaffMember Staff) : SignInOutcome;

    // Wrong username or password; which of the two is never said.
    public sealed record Failed : SignInOutcome;

    public sealed record LockedOut(DateTime Until) : SignInOutcome;

    // Only said to someone who knew the password.
    public sealed record Disabled : SignInOutcome;
}

// Checks a username and password. Timing-safe: an unknown username costs the same PBKDF2 work as a
// known one, so response times do not reveal which usernames exist. After MaxFailedSignIns wrong
// passwords in a row the account is locked for LockoutDuration; while locked, no password (not
// even the right one) is checked.
internal sealed partial class StaffSignIn(Db db, AuditLog audit, IOptions<SupportOptions> options, TimeProvider time, ILogger<StaffSignIn> logger)
{
    // Hash of a password nobody has, so an unknown user is verified against something real.
    private static readonly Lazy<string> DummyHash = new(() => StaffAccounts.Hasher.HashPassword(null!, Convert.ToBase64String(Guid.NewGuid().ToByteArray())));

    private const string FindSql = $"SELECT {StaffUser.Columns} FROM support_users WHERE username = @Username";

    // One wrong password. The attempt that reaches the limit locks the account and starts the count
    // again, so the next window after the lockout has the full number of attempts. A lock already
    // in force is never extended by further attempts.
    private const string RecordFailureSql = """
        UPDATE support_users
        SET failed_attempts = CASE WHEN failed_attempts + 1 >= @MaxFailures THEN 0 ELSE failed_attempts + 1 END,
            locked_until = CASE WHEN failed_attempts + 1 >= @MaxFailures THEN @LockedUntil ELSE locked_until END
        WHERE id = @Id AND (locked_until IS NULL OR locked_until <= @Now)
        """;

    private const string FailureStateSql = "SELECT failed_attempts AS FailedAttempts, locked_until AS LockedUntil FROM support_users WHERE id = @Id";

    private const string RecordSuccessSql = """
        UPDATE support_users SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = @Now WHERE id = @Id
        """;

    private const string RehashSql = """
        UPDATE support_users SET password_hash = @NewHash WHERE id = @Id AND password_hash = @OldHash
        """;

    private sealed class FailureState
    {
        public int FailedAttempts { get; init; }
        public DateTime? LockedUntil { get; init; }
    }

    public async Task<SignInOutcome> SignInAsync(string? username, string? password, CancellationToken ct)
    {
        password ??= "";
        var name = StaffAccounts.Normalize(username ?? "");
        var now = time.GetUtcNow().UtcDateTime;
        StaffUser? user = null;
        if (StaffAccounts.UsernameProblem(name) is null)
        {
            await using var connection = await db.OpenAsync(ct);
            user = await connection.QuerySingleOrDefaultAsync<StaffUser>(new CommandDefinition(FindSql, new { Username = name }, cancellationToken: ct));
        }

        if (user is null)
        {
            StaffAccounts.Hasher.VerifyHashedPassword(null!, DummyHash.Value, Bounded(password));
            LogUnknownUser(logger);
            return new SignInOutcome.Failed();
        }

        if (user.LockedUntil > now)
        {
            StaffAccounts.Hasher.VerifyHashedPassword(null!, DummyHash.Value, Bounded(password));
            LogStillLocked(logger, user.Id);
            await audit.WriteAsync(user.Id, user.Username, AuditActions.SignInFailed, null, null, "account is locked", ct);
            return new SignInOutcome.LockedOut(user.LockedUntil.Value);
        }

        if (password.Length > StaffAccounts.MaxPasswordLength)
        {
            StaffAccounts.Hasher.VerifyHashedPassword(null!, DummyHash.Value, Bounded(password));
            return await FailAsync(user, now, ct);
        }

        var verdict = StaffAccounts.Hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        if (verdict == PasswordVerificationResult.Failed)
        {
            return await FailAsync(user, now, ct);
        }

        if (user.Disabled)
        {
            LogDisabled(logger, user.Id);
            await audit.WriteAsync(user.Id, user.Username, AuditActions.SignInFailed, null, null, "account is disabled", ct);
            return new SignInOutcome.Disabled();
        }

        await using (var connection = await db.OpenAsync(ct))
        {
            if (verdict == PasswordVerificationResult.SuccessRehashNeeded)
            {
                await connection.ExecuteAsync(new CommandDefinition(RehashSql,
                    new { user.Id, NewHash = StaffAccounts.Hasher.HashPassword(user, password), OldHash = user.PasswordHash }, cancellationToken: ct));
            }

            await connection.ExecuteAsync(new CommandDefinition(RecordSuccessSql, new { user.Id, Now = now }, cancellationToken: ct));
            await audit.WriteAsync(connection, null, user.Id, user.Username, AuditActions.SignedIn, null, null, null, ct);
        }

        LogSignedIn(logger, user.Id, user.Role);
        var staff = new StaffMember(user.Id, user.Username, user.Role);
        return new SignInOutcome.Succeeded(Principal(staff, user.SecurityStamp, now), staff);
    }

    // No password is longer than this, and hashing megabytes would be a denial of service.
    private static string Bounded(string password) => password.Length > StaffAccounts.MaxPasswordLength ? "" : password;

    public static ClaimsPrincipal Principal(StaffMember staff, string securityStamp, DateTime signedInAt) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.NameIdentifier, staff.Id.ToString(CultureInfo.InvariantCulture)),
                new Claim(ClaimTypes.Name, staff.Username),
                new Claim(ClaimTypes.Role, staff.Role),
                new Claim(StaffMember.SecurityStampClaim, securityStamp),
                new Claim(StaffMember.SignedInAtClaim, new DateTimeOffset(signedInAt, TimeSpan.Zero).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
            ],
            SupportAuthentication.Scheme,
            ClaimTypes.Name,
            ClaimTypes.Role));

    private async Task<SignInOutcome> FailAsync(StaffUser user, DateTime now, CancellationToken ct)
    {
        var o = options.Value;
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(RecordFailureSql,
            new { user.Id, MaxFailures = o.MaxFailedSignIns, LockedUntil = now + o.LockoutDuration, Now = now }, tx, cancellationToken: ct));
        var state = await connection.QuerySingleAsync<FailureState>(new CommandDefinition(FailureStateSql, new { user.Id }, tx, cancellationToken: ct));
        if (state.LockedUntil > now)
        {
            await audit.WriteAsync(connection, tx, user.Id, user.Username, AuditActions.LockedOut, null, null,
                $"{o.MaxFailedSignIns} wrong passwords; locked for {o.LockoutDuration.TotalMinutes:0} minutes", ct);
            await tx.CommitAsync(ct);
            LogLockedOut(logger, user.Id, o.MaxFailedSignIns);
            return new SignInOutcome.LockedOut(state.LockedUntil.Value);
        }

        await audit.WriteAsync(connection, tx, user.Id, user.Username, AuditActions.SignInFailed, null, null,
            $"wrong password ({state.FailedAttempts} of {o.MaxFailedSignIns})", ct);
        await tx.CommitAsync(ct);
        LogWrongPassword(logger, user.Id, state.FailedAttempts);
        return new SignInOutcome.Failed();
    }

    // Usernames that match no account are not logged: people type passwords into that field.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Support sign-in failed: unknown username")]
    private static partial void LogUnknownUser(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Support sign-in failed for staff user {StaffUserId}: wrong password (attempt {Attempts})")]
    private static partial void LogWrongPassword(ILogger logger, long staffUserId, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Staff user {StaffUserId} locked out after {Attempts} wrong passwords")]
    private static partial void LogLockedOut(ILogger logger, long staffUserId, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Support sign-in refused for staff user {StaffUserId}: account is locked")]
    private static partial void LogStillLocked(ILogger logger, long staffUserId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Support sign-in refused for staff user {StaffUserId}: account is disabled")]
    private static partial void LogDisabled(ILogger logger, long staffUserId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff user {StaffUserId} ({Role}) signed in")]
    private static partial void LogSignedIn(ILogger logger, long staffUserId, string role);
}
