using Microsoft.Extensions.Options;
using MimeKit;
using Orders.Api.Catalog;

namespace Orders.Api.Mail;

// Who the shop's e-mails come from: Mail:From, named after the shop (Shop:Name) unless it carries a
// name of its own; a reply reaches the shop's support address.
internal sealed class MailSender(IOptions<MailOptions> mail, IOptions<ShopOptions> shop)
{
    public void Address(MimeMessage message)
    {
        var from = MailboxAddress.Parse(mail.Value.From);
        if (string.IsNullOrWhiteSpace(from.Name))
        {
            from.Name = shop.Value.Name;
        }

        message.From.Add(from);
        message.ReplyTo.Add(new MailboxAddress(shop.Value.Name, shop.Value.SupportEmail));
    }
}
