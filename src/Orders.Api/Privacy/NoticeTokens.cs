using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Orders.Api.Orders;

namespace Orders.Api.Privacy;

// The token in a customer's consent link: an HMAC of the recipient id under the same server secret
// as the status links, with its own purpose. Nothing is stored; it is recomputed and compared in
// constant time.
internal sealed class NoticeTokens(StatusTokens tokens)
{
    private const string Purpose = "privacy-notice";

    public string For(long recipientId) => tokens.ForPurpose(Purpose, recipientId.ToString(CultureInfo.InvariantCulture));

    public bool Matches(long recipientId, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 128)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(For(recipientId)), Encoding.ASCII.GetBytes(token));
    }

    public static string Path(long recipientId, string token) =>
        string.Create(CultureInfo.InvariantCulture, $"/privacy/notices/{recipientId}?token={Uri.EscapeDataString(token)}");
}
