using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;
using MimeKit;
using Orders.Api.Data;

namespace Orders.Api.Mail;

internal interface IMailTransport
{
    Task SendAsync(MimeMessage message, string fileStem, CancellationToken ct);
}

// The zero-config default: each message becomes a .eml file. The name is derived from the delivery
// row, and the file appears atomically, so sending the same delivery again replaces, never duplicates.
internal sealed class PickupMailTransport(IOptions<MailOptions> options, IOptions<StorageOptions> storage, IHostEnvironment environment) : IMailTransport
{
    public string Directory => Path.GetFullPath(options.Value.PickupDirectory, DataDirectory.Resolve(storage.Value, environment));

    public async Task SendAsync(MimeMessage message, string fileStem, CancellationToken ct)
    {
        // The e-mails carry license keys and addresses: owner-only, like the rest of the data folder.
        OwnerOnlyFiles.CreateFolder(Directory);
        var path = Path.Combine(Directory, fileStem + ".eml");
        var temp = path + ".tmp";
        await using (var stream = OwnerOnlyFiles.Create(temp))
        {
            await message.WriteToAsync(stream, ct);
            await stream.FlushAsync(ct);
        }

        File.Move(temp, path, overwrite: true);
    }
}

internal sealed class SmtpMailTransport(IOptions<MailOptions> options) : IMailTransport
{
    public async Task SendAsync(MimeMessage message, string fileStem, CancellationToken ct)
    {
        var o = options.Value;
        using var client = new SmtpClient { Timeout = (int)o.Timeout.TotalMilliseconds };
        await client.ConnectAsync(o.Host ?? throw new InvalidOperationException("Set Mail:Host."), o.Port, o.Tls, ct);
        if (!string.IsNullOrEmpty(o.User))
        {
            await client.AuthenticateAsync(o.User, o.Password ?? "", ct);
        }

        await client.SendAsync(message, ct);
        await client.DisconnectAsync(quit: true, ct);
    }
}
