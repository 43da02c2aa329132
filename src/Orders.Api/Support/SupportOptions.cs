namespace Orders.Api.Support;

internal sealed class SupportOptions
{
    public const string Section = "Support";

    // A session ends after this long without a request (sliding).
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    // ...and after this long in any case, however busy: staff sign in again every working day.
    public TimeSpan MaxSessionLength { get; set; } = TimeSpan.FromHours(12);

    public int MaxFailedSignIns { get; set; } = 5;

    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);
}

internal static class StaffRoles
{
    public const string Support = "support";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Support, Admin];

    public static bool IsValid(string? role) => role is Support or Admin;
}

internal static class SupportPolicies
{
    // Any signed-in staff user (support or admin).
    public const string Staff = "support-staff";

    // Revoke, refund, the audit log and the job dashboard.
    public const string Admin = "support-admin";
}
