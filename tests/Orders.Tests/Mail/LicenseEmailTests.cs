using MimeKit;
using Orders.Tests.Infrastructure;
using Orders.Tests.Support;

namespace Orders.Tests.Mail;

// The license e-mail reads like the vendor's: its name, how to activate, where to get help, and
// parts that any relay carries unchanged.
public sealed class LicenseEmailTests() : ServiceTest(new()
{
    ["Shop:Name"] = "Éclair Software – Tools",
    ["Shop:SupportEmail"] = "help@eclair.example",
    ["Shop:ActivationSteps"] = "Start Éclair.\nChoose Help → License.\n\nPaste the key.",
})
{
    [Fact]
    public async Task TheLicenseEmailComesFromTheShopSaysHowToActivateAndWhereToGetHelp()
    {
        var order = await shop.PaidOrderAsync(app, licenseeName: "Zoë Ångström");
        var mail = await MimeMessage.LoadAsync(Assert.Single(await shop.WaitForMailsAsync(order.OrderNumber)));

        var from = Assert.IsType<MailboxAddress>(Assert.Single(mail.From));
        Assert.Equal("Éclair Software – Tools", from.Name);
        Assert.Equal("orders@localhost", from.Address);
        Assert.Equal("help@eclair.example", Assert.IsType<MailboxAddress>(Assert.Single(mail.ReplyTo)).Address);

        Assert.Contains("Thank you for buying from Éclair Software – Tools.", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("1. Start Éclair.\n2. Choose Help → License.\n3. Paste the key.", mail.TextBody!.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("Questions? Write to help@eclair.example", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("<li>Choose Help → License.</li>", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("mailto:help@eclair.example", mail.HtmlBody, StringComparison.Ordinal);
        Assert.Contains("Zoë Ångström", mail.TextBody, StringComparison.Ordinal);

        // Every text part is 7-bit clean on the wire: quoted-printable or base64 where it is not ASCII.
        var parts = mail.BodyParts.OfType<TextPart>().ToList();
        Assert.Equal(2, parts.Count);
        Assert.All(parts, part => Assert.Contains(part.ContentTransferEncoding, new[] { ContentEncoding.QuotedPrintable, ContentEncoding.Base64 }));
    }
}
