using System.Net;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Orders.Api.Mail;

internal sealed record LicenseEmailModel(
    long DeliveryId,
    string Kind,
    string ToAddress,
    string OrderNumber,
    string ProductName,
    string LicenseeName,
    int Seats,
    string LicenseKey,
    Uri StatusUrl);

// The license e-mail: plain text and HTML with the same facts. Its Message-Id is derived from the
// delivery row so a receiving server can tell a repeat from a new message.
internal sealed class LicenseEmail(IOptions<MailOptions> options)
{
    public MimeMessage Compose(LicenseEmailModel m)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(options.Value.From));
        message.To.Add(MailboxAddress.Parse(m.ToAddress));
        message.Subject = m.Kind == DeliveryKinds.Resend
            ? $"Your {m.ProductName} license (sent again) — order {m.OrderNumber}"
            : $"Your {m.ProductName} license — order {m.OrderNumber}";
        message.MessageId = $"delivery-{m.DeliveryId}.{m.OrderNumber}@orders.invalid";

        var text = $"""
            Thank you for your purchase.

            Product:   {m.ProductName}
            Licensee:  {m.LicenseeName}
            Seats:     {m.Seats}
            Order:     {m.OrderNumber}

            Your license key (copy all of it):

            {m.LicenseKey}

            Order status: {m.StatusUrl.AbsoluteUri}

            We use this address only to deliver what you bought.
            """;

        var e = (string s) => WebUtility.HtmlEncode(s);
        var html = $"""
            <!doctype html>
            <html><body style="font-family: sans-serif; line-height: 1.5">
            <p>Thank you for your purchase.</p>
            <table>
            <tr><th align="left">Product</th><td>{e(m.ProductName)}</td></tr>
            <tr><th align="left">Licensee</th><td>{e(m.LicenseeName)}</td></tr>
            <tr><th align="left">Seats</th><td>{m.Seats}</td></tr>
            <tr><th align="left">Order</th><td>{e(m.OrderNumber)}</td></tr>
            </table>
            <p>Your license key (copy all of it):</p>
            <pre style="font-size: 1.1em; padding: .5em; background: #f4f4f4; white-space: pre-wrap; word-break: break-all">{e(m.LicenseKey)}</pre>
            <p><a href="{e(m.StatusUrl.AbsoluteUri)}">Order status</a></p>
            <p style="color: #666">We use this address only to deliver what you bought.</p>
            </body></html>
            """;

        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        return message;
    }
}
