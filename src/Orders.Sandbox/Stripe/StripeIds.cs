using System.Security.Cryptography;

namespace Orders.Sandbox.Stripe;

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
