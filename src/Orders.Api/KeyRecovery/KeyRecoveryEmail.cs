using System.Data.Common;
using System.Globalization;
using System.Text;
using Dapper;
using Microsoft.Extensions.Options;
using MimeKit;
using Orders.Api.Hosting;
using Orders.Api.Mail;
using Orders.Api.Orders;

namespace Orders.Api.KeyRecovery;

// The key-recovery e-mail: every license key of the address that still works (product, seats, order
// number, the key), read when it is sent, so a key revoked in the meantime is not in it. It goes to
// the address stored on the customer's order, never to one typed by anyone else.
internal sealed class KeyRecoveryEmail(MailSender sender, StatusTokens statusTokens, PublicAddress publicAddress) : IDeliveryComposer
{
    public string Kind => DeliveryKinds.KeyRecovery;

    private const string ActiveKeysSql = """
        SELECT o.order_number AS OrderNumber, o.product_name AS ProductName, l.seats AS Seats, l.license_key AS LicenseKey
        FROM deliveries d
        JOIN orders carrier ON carrier.id = d.order_id
        JOIN orders o ON o.email_lower = carrier.email_lower AND o.erased_at IS NULL
        JOIN licenses l ON l.order_id = o.id AND l.status = 'active'
        WHERE d.id = @Id AND carrier.erased_at IS NULL
        ORDER BY o.id, l.line_no
        """;

    public async Task<ComposedEmail> ComposeAsync(DbConnection connection, long deliveryId, string toAddress, CancellationToken ct)
    {
        var keys = (await connection.QueryAsync<KeyRow>(new CommandDefinition(ActiveKeysSql, new { Id = deliveryId }, cancellationToken: ct))).ToList();
        if (keys.Count == 0)
        {
            return new ComposedEmail(null, "no active license to send", null);
        }

        var text = new StringBuilder();
        text.AppendLine("You asked for your license keys. Here is every key bought with this address that still works:");
        foreach (var k in keys)
        {
            var status = publicAddress.Resolve(StatusTokens.StatusPath(k.OrderNumber, statusTokens.For(k.OrderNumber))).AbsoluteUri;
            text.AppendLine(CultureInfo.InvariantCulture, $"""

                Product:  {k.ProductName}
                Seats:    {k.Seats}
                Order:    {k.OrderNumber}
                Key (copy all of it):
                {k.LicenseKey}
                Order status: {status}
                """);
        }

        text.AppendLine();
        text.AppendLine("If you did not ask for this e-mail, you can ignore it: it went only to this address.");
        text.AppendLine("We use this address only to deliver what you bought.");

        var message = new MimeMessage();
        sender.Address(message);
        message.To.Add(MailboxAddress.Parse(toAddress));
        message.Subject = keys.Count == 1 ? "Your license key" : string.Create(CultureInfo.InvariantCulture, $"Your {keys.Count} license keys");
        message.MessageId = string.Create(CultureInfo.InvariantCulture, $"delivery-{deliveryId}.key-recovery@orders.invalid");
        var body = new TextPart("plain");
        body.SetText(Encoding.UTF8, text.ToString().ReplaceLineEndings("\r\n"));
        message.Body = body;
        message.Prepare(EncodingConstraint.SevenBit);
        return new ComposedEmail(message, null, null);
    }

    private sealed class KeyRow
    {
        public string OrderNumber { get; init; } = "";
        public string ProductName { get; init; } = "";
        public int Seats { get; init; }
        public string LicenseKey { get; init; } = "";
    }
}
