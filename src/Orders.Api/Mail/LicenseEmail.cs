using System.Net;
using Microsoft.Extensions.Options;
using MimeKit;
using Orders.Api.Catalog;

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

// The license e-mail: plain text and HTML with the same facts, the vendor's name, how to activate
// (Shop:ActivationSteps) and where to get help. Its Message-Id is derived from the delivery row so a
// receiving server can tell a repeat from a new message.
internal sealed class LicenseEmail(MailSender sender, IOptions<ShopOptions> shopOptions)
{
    public MimeMessage Compose(LicenseEmailModel m)
    {
        var shop = shopOptions.Value;
        string[] steps = [.. shop.ActivationSteps.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
        var message = new MimeMessage();
        sender.Address(message);
        message.To.Add(MailboxAddress.Parse(m.ToAddress));
        message.Subject = m.Kind == DeliveryKinds.Resend
            ? $"Your {m.ProductName} license (sent again) — order {m.OrderNumber}"
            : $"Your {m.ProductName} license — order {m.OrderNumber}";
        message.MessageId = $"delivery-{m.DeliveryId}.{m.OrderNumber}@orders.invalid";

        var text = $"""
            Thank you for buying from {shop.Name}.

            Product:   {m.ProductName}
            Licensee:  {m.LicenseeName}
            Seats:     {m.Seats}
            Order:     {m.OrderNumber}

            Your license key (copy all of it):

            {m.LicenseKey}

            To activate:
            {string.Join("\n", steps.Select((step, i) => $"{i + 1}. {step}"))}

            Order status: {m.StatusUrl.AbsoluteUri}
            Questions? Write to {shop.SupportEmail} (or reply to this e-mail).

            We use this address only to deliver what you bought.
            """;

        var e = (string s) => WebUtility.HtmlEncode(s);
        var html = $"""
            <!doctype html>
            <html><body style="font-family: sans-serif; line-height: 1.5">
            <p>Thank you for buying from {e(shop.Name)}.</p>
            <table>
            <tr><th align="left">Product</th><td>{e(m.ProductName)}</td></tr>
            <tr><th align="left">Licensee</th><td>{e(m.LicenseeName)}</td></tr>
            <tr><th align="left">Seats</th><td>{m.Seats}</td></tr>
            <tr><th align="left">Order</th><td>{e(m.OrderNumber)}</td></tr>
            </table>
            <p>Your license key (copy all of it):</p>
            <pre style="font-size: 1.1em; padding: .5em; background: #f4f4f4; white-space: pre-wrap; word-break: break-all">{e(m.LicenseKey)}</pre>
            <p>To activate:</p>
            <ol>{string.Concat(steps.Select(step => $"<li>{e(step)}</li>"))}</ol>
            <p><a href="{e(m.StatusUrl.AbsoluteUri)}">Order status</a></p>
            <p>Questions? Write to <a href="mailto:{e(shop.SupportEmail)}">{e(shop.SupportEmail)}</a> (or reply to this e-mail).</p>
            <p style="color: #666">We use this address only to deliver what you bought.</p>
            </body></html>
            """;

        message.Body = new BodyBuilder { TextBody = text, HtmlBody = html }.ToMessageBody();
        // Non-ASCII parts get a transfer encoding every relay carries unchanged.
        message.Prepare(EncodingConstraint.SevenBit);
        return message;
    }
}
