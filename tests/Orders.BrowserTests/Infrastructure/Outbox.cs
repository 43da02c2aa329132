using MimeKit;

namespace Orders.BrowserTests.Infrastructure;

// The service's zero-config mail: every e-mail is a .eml file in the data folder's outbox.
public static class Outbox
{
    public static async Task<IReadOnlyList<MimeMessage>> AllAsync(OrdersApp app)
    {
        var messages = new List<MimeMessage>();
        foreach (var file in Directory.Exists(app.OutboxDirectory) ? Directory.GetFiles(app.OutboxDirectory, "*.eml") : [])
        {
            messages.Add(await MimeMessage.LoadAsync(file));
        }

        return messages;
    }

    // The first e-mail that matches, waiting up to 30 s for it to be written.
    public static async Task<MimeMessage> WaitForAsync(OrdersApp app, Func<MimeMessage, bool> matches, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if ((await AllAsync(app)).FirstOrDefault(matches) is { } message)
            {
                return message;
            }

            Assert.True(DateTime.UtcNow < deadline, $"No e-mail {what} appeared in {app.OutboxDirectory} within 30 s.");
            await Task.Delay(200);
        }
    }

    public static bool IsTo(this MimeMessage message, string address) =>
        message.To.Mailboxes.Any(m => string.Equals(m.Address, address, StringComparison.OrdinalIgnoreCase));

    public static bool Mentions(this MimeMessage message, string text) =>
        message.TextBody?.Contains(text, StringComparison.Ordinal) == true;
}
