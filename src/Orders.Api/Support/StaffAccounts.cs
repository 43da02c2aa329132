using System.Data.Common;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Identity;
using Orders.Api.Data;

namespace Orders.Api.Support;

internal sealed class StaffUser
{
    public const string Columns = """
        id, username, role, password_hash, security_stamp, disabled, created_at, last_sign_in_at
        """;

    public long Id { get; init; }
    public string Username { get; init; } = "";
    public string Role { get; init; } = "";
    public string PasswordHash { get; init; } = "";
    public string SecurityStamp { get; init; } = "";
    public bool Disabled { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? LastSignInAt { get; init; }
}

internal enum StaffChange
{
    Done,
    NotFound,
    AlreadyExists,
}

// Staff accounts: created, listed, disabled and given new passwords from the command line (there is
// deliberately no web page that creates an admin). Passwords are hashed with ASP.NET Core Identity's
// PasswordHasher (PBKDF2, salted, versioned so it can rehash on sign-in). Disabling a user or
// resetting a password ends every session of that user (StaffSessions), in the same transaction.
internal sealed partial class StaffAccounts(Db db, AuditLog audit, TimeProvider time)
{
    public const int MinPasswordLength = 12;
    public const int MaxPasswordLength = 256;

    internal static readonly PasswordHasher<StaffUser> Hasher = new();

    private static readonly Dialect InsertSql = new(
        Sqlite: """
            INSERT INTO support_users (username, role, password_hash, security_stamp, disabled, created_at)
            VALUES (@Username, @Role, @PasswordHash, @SecurityStamp, 0, @Now)
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO support_users (username, role, password_hash, security_stamp, disabled, created_at)
            OUTPUT INSERTED.id
            VALUES (@Username, @Role, @PasswordHash, @SecurityStamp, 0, @Now)
            """,
        PostgreSql: """
            INSERT INTO support_users (username, role, password_hash, security_stamp, disabled, created_at)
            VALUES (@Username, @Role, @PasswordHash, @SecurityStamp, 0, @Now)
            RETURNING id
            """);

    private const string ListSql = $"SELECT {StaffUser.Columns} FROM support_users ORDER BY username";

    private const string FindByUsernameSql = $"SELECT {StaffUser.Columns} FROM support_users WHERE username = @Username";

    // disabled is 0 or 1 in every database (a bit on SQL Server, a smallint on PostgreSQL).
    private const string SetDisabledSql = """
        UPDATE support_users SET disabled = @Disabled, security_stamp = @SecurityStamp WHERE username = @Username
        """;

    private const string ResetPasswordSql = """
        UPDATE support_users
        SET password_hash = @PasswordHash, security_stamp = @SecurityStamp
        WHERE username = @Username
        """;

    public static string Normalize(string username) => username.Trim().ToLowerInvariant();

    public static string? UsernameProblem(string username) =>
        UsernamePattern().IsMatch(Normalize(username))
            ? null
            : "A username is 2 to 64 characters: letters a-z, digits, '.', '_' or '-', starting with a letter or digit.";

    public static string? PasswordProblem(string password, string username)
    {
        if (password.Length < MinPasswordLength)
        {
            return $"The password must be at least {MinPasswordLength} characters long.";
        }

        if (password.Length > MaxPasswordLength)
        {
            return $"The password must be at most {MaxPasswordLength} characters long.";
        }

        if (string.IsNullOrWhiteSpace(password) || password.Trim() != password)
        {
            return "The password must not start or end with spaces.";
        }

        if (password.All(c => c == password[0]))
        {
            return "The password must not be one character repeated.";
        }

        var name = Normalize(username);
        if (name.Length > 0 && password.Contains(name, StringComparison.OrdinalIgnoreCase))
        {
            return "The password must not contain the username.";
        }

        return CommonPasswords.Contains(password)
            ? "The password is on a list of common passwords that guessing tries first; choose another."
            : null;
    }

    public static string NewSecurityStamp() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    public async Task<StaffChange> AddAsync(string username, string role, string password, string actor, CancellationToken ct)
    {
        username = Normalize(username);
        EnsureValid(username, password);
        if (!StaffRoles.IsValid(role))
        {
            throw new ArgumentException($"The role must be one of: {string.Join(", ", StaffRoles.All)}.", nameof(role));
        }

        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        try
        {
            await connection.ExecuteScalarAsync<long>(new CommandDefinition(db.Pick(InsertSql), new
            {
                Username = username,
                Role = role,
                PasswordHash = Hasher.HashPassword(null!, password),
                SecurityStamp = NewSecurityStamp(),
                Now = time.GetUtcNow().UtcDateTime,
            }, tx, cancellationToken: ct));
        }
        catch (DbException e) when (Db.IsUniqueViolation(e))
        {
            return StaffChange.AlreadyExists;
        }

        await audit.WriteAsync(connection, tx, null, actor, AuditActions.StaffAdded, null, null, $"{role} '{username}'", ct);
        await tx.CommitAsync(ct);
        return StaffChange.Done;
    }

    public async Task<IReadOnlyList<StaffUser>> ListAsync(CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return [.. await connection.QueryAsync<StaffUser>(new CommandDefinition(ListSql, cancellationToken: ct))];
    }

    public async Task<StaffUser?> FindAsync(string username, CancellationToken ct)
    {
        await using var connection = await db.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<StaffUser>(new CommandDefinition(FindByUsernameSql, new { Username = Normalize(username) }, cancellationToken: ct));
    }

    public async Task<StaffChange> SetDisabledAsync(string username, bool disabled, string actor, CancellationToken ct)
    {
        username = Normalize(username);
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition(SetDisabledSql,
            new { Username = username, Disabled = disabled ? 1 : 0, SecurityStamp = NewSecurityStamp() }, tx, cancellationToken: ct));
        if (changed == 0)
        {
            return StaffChange.NotFound;
        }

        if (disabled)
        {
            await StaffSessions.EndAllAsync(connection, tx, username, time.GetUtcNow().UtcDateTime, ct);
        }

        await audit.WriteAsync(connection, tx, null, actor, disabled ? AuditActions.StaffDisabled : AuditActions.StaffEnabled, null, null, $"'{username}'", ct);
        await tx.CommitAsync(ct);
        return StaffChange.Done;
    }

    public async Task<StaffChange> ResetPasswordAsync(string username, string password, string actor, CancellationToken ct)
    {
        username = Normalize(username);
        EnsureValid(username, password);
        await using var connection = await db.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var changed = await connection.ExecuteAsync(new CommandDefinition(ResetPasswordSql, new
        {
            Username = username,
            PasswordHash = Hasher.HashPassword(null!, password),
            SecurityStamp = NewSecurityStamp(),
        }, tx, cancellationToken: ct));
        if (changed == 0)
        {
            return StaffChange.NotFound;
        }

        await StaffSessions.EndAllAsync(connection, tx, username, time.GetUtcNow().UtcDateTime, ct);
        await audit.WriteAsync(connection, tx, null, actor, AuditActions.PasswordReset, null, null, $"'{username}'", ct);
        await tx.CommitAsync(ct);
        return StaffChange.Done;
    }

    private static void EnsureValid(string username, string password)
    {
        if ((UsernameProblem(username) ?? PasswordProblem(password, username)) is { } problem)
        {
            throw new ArgumentException(problem);
        }
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{1,63}$")]
    private static partial Regex UsernamePattern();
}
