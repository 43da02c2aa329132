namespace Orders.Api.PaymentEvents;

internal sealed class MaintenanceOptions
{
    public const string Section = "Maintenance";

    // A pending order this old is asked about at its provider (its webhook may have been lost).
    public TimeSpan ReconcileAfter { get; set; } = TimeSpan.FromMinutes(10);

    // A pending order this old is given up as expired. PayPal keeps an unapproved order for 3 hours
    // (up to 72 with the account manager); a reseller cart can be paid offline later. Money that
    // arrives after expiry still delivers (expired → paid is allowed).
    public TimeSpan PendingExpiry { get; set; } = TimeSpan.FromHours(72);

    // Expired and canceled orders (never paid, no license) are deleted this long after they ended.
    public TimeSpan AbandonedOrderRetention { get; set; } = TimeSpan.FromDays(30);

    // Processed provider events are deleted this long after processing (refunds of orders that are
    // still paid are kept: later partial refunds are added to them).
    public TimeSpan ProcessedEventRetention { get; set; } = TimeSpan.FromDays(180);

    public int BatchSize { get; set; } = 200;
}
