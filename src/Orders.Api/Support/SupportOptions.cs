namespace Orders.Api.Support;

internal sealed class SupportOptions
{
    public const string Section = "Support";

    // A session ends after this long without a request (sliding).
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    // ...and after this long in any case, however busy: staff sign in again every working day.
    public TimeSpan MaxSessionLength { get; set; } = TimeSpan.FromHours(12);

    // Failed sign-ins slow down instead of locking the account (SignInThrottle): this many wrong
    // passwords for one username from one client network are free, then each attempt waits...
    public int FreeFailedSignIns { get; set; } = 5;

    // ...as do this many from one client network for any usernames...
    public int FreeFailedSignInsPerNetwork { get; set; } = 20;

    // ...and this many for one username from all networks together (guessing spread over many).
    public int FreeFailedSignInsPerUsername { get; set; } = 50;

    // The wait doubles from 30 seconds up to this; a count is forgotten after four times this long
    // without a failure.
    public TimeSpan MaxSignInDelay { get; set; } = TimeSpan.FromMinutes(15);
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
