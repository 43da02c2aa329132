using MailKit.Security;

namespace Orders.Api.Mail;

internal sealed class MailOptions
{
    public const string Section = "Mail";

    public MailMode Mode { get; set; } = MailMode.Pickup;

    public string From { get; set; } = "orders@localhost";

    // Pickup: .eml files are written here (relative to the data directory).
    public string PickupDirectory { get; set; } = "outbox";

    public string? Host { get; set; }

    public int Port { get; set; } = 587;

    public string? User { get; set; }

    public string? Password { get; set; }

    public SecureSocketOptions Tls { get; set; } = SecureSocketOptions.StartTlsWhenAvailable;

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    // How long a sender's claim on a delivery lasts at most. A sender that dies is found out by its
    // heartbeat (Instances:Timeout) and its claims released long before this; the expiry is the
    // backstop for a live sender stuck past its own timeouts and for claims that name no holder.
    // With SMTP it must exceed twice Timeout: a batch starts no new message after half of it.
    public TimeSpan ClaimLength { get; set; } = TimeSpan.FromMinutes(5);

    // A delivery that failed this many times stops retrying and waits for a person.
    public int MaxAttempts { get; set; } = 12;

    // First wait after a failed attempt; it doubles with each further failure, up to an hour.
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(15);
}

internal enum MailMode
{
    Pickup,
    Smtp,
}

// Everything the service ever e-mails a customer: the license, the license again, what happened
// to a paid order (a refund, a reversal, a license revoked by staff), the customer's own keys when
// asked for them, and privacy notices (which ask for consent). Nothing else: no marketing.
internal static class DeliveryKinds
{
    public const string License = "license";
    public const string Resend = "resend";
    public const string Refund = "refund";
    public const string Reversal = "reversal";
    public const string Revocation = "revocation";
    public const string KeyRecovery = "key-recovery";
    public const string PrivacyNotice = "privacy-notice";

    public static IReadOnlyList<string> All { get; } = [License, Resend, Refund, Reversal, Revocation, KeyRecovery, PrivacyNotice];

    // The kinds that carry a license key: a revoked key must not go out in one afterwards.
    public static IReadOnlyList<string> CarryingTheKey { get; } = [License, Resend];
}
