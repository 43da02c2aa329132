using System.Security.Cryptography;

namespace Orders.Sandbox.Stripe;

internal sealed record StripeLineItem(string Name, string? Description, long UnitAmount, long Quantity);

// What a valid POST /v1/checkout/sessions asked for.
internal sealed record StripeSessionRequest(
    string Currency,
    IReadOnlyList<StripeLineItem> LineItems,
    string? SuccessUrl,
    string? CancelUrl,
    string? ClientReferenceId,
    string? CustomerEmail,
    DateTimeOffset ExpiresAt,
    IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyDictionary<string, string> PaymentIntentMetadata,
    string? PaymentIntentDescription)
{
    public long AmountTotal => LineItems.Sum(i => i.UnitAmount * i.Quantity);
}

internal sealed record StripeRefund(string Id, long Amount, string? Reason, IReadOnlyDictionary<string, string> Metadata, DateTimeOffset Created);

internal sealed class StripeDispute(string id, long amount, DateTimeOffset created)
{
    public string Id => id;

    public long Amount => amount;

    public DateTimeOffset Created => created;

    // needs_response → won | lost
    public string Status { get; set; } = "needs_response";
}

// The PaymentIntent and its one Charge, made when the session is paid.
internal sealed class StripePayment(string paymentIntentId, string chargeId, DateTimeOffset created)
{
    public string PaymentIntentId => paymentIntentId;

    public string ChargeId => chargeId;

    public DateTimeOffset Created => created;

    // false while a delayed payment method has not settled yet.
    public bool Succeeded { get; set; }

    public bool Failed { get; set; }

    public List<StripeRefund> Refunds { get; } = [];

    public StripeDispute? Dispute { get; set; }

    public long AmountRefunded => Refunds.Sum(r => r.Amount);
}

// One Checkout Session and, once paid, its payment. Mutable state is guarded by Gate.
internal sealed class StripeSession(string id, StripeSessionRequest request, DateTimeOffset created)
{
    public const string Open = "open";
    public const string Complete = "complete";
    public const string Expired = "expired";

    public Lock Gate { get; } = new();

    public string Id => id;

    public StripeSessionRequest Request => request;

    public DateTimeOffset Created => created;

    public string Status { get; set; } = Open;

    // unpaid → paid (no_payment_required is not offered: amounts are above zero here)
    public string PaymentStatus { get; set; } = "unpaid";

    public StripePayment? Payment { get; set; }
}

// Identifiers in the shapes Stripe uses (prefix_ + base62), from a cryptographic generator: a
// Checkout Session id is a bearer of its payment page, so it must not be guessable.
internal static class StripeIds
{
    private const string Base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string Session() => "cs_test_" + Random(58);

    public static string PaymentIntent() => "pi_" + Random(24);

    public static string Charge() => "ch_" + Random(24);

    public static string Refund() => "re_" + Random(24);

    public static string Dispute() => "dp_" + Random(24);

    public static string Event() => "evt_" + Random(24);

    public static string Request() => "req_" + Random(14);

    private static string Random(int length) => RandomNumberGenerator.GetString(Base62, length);
}
