using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using MimeKit;
using Orders.Tests.Infrastructure;
using Orders.Tests.Support;

namespace Orders.Tests.Privacy;

// Seeding customers straight into the database, and the admin's and customer's steps of a notice.
internal static partial class NoticeTestKit
{
    public const string InsertOrderSql = """
        INSERT INTO orders (order_number, sku, product_name, quantity, unit_price_minor, currency, total_minor, email, licensee_name,
                            provider, status, status_token_hash, created_at, updated_at, paid_at, erased_at)
        VALUES (@OrderNumber, 'PHOTOSHRINK-PRO', 'PhotoShrink Pro', 1, 4900, 'USD', 4900, @Email, @Name,
                'paypal', @Status, 'not-a-token', @At, @At, @PaidAt, @ErasedAt)
        """;

    public sealed record SeedOrder(string Email, string Status = "paid", bool Erased = false);

    public static async Task SeedAsync(OrdersApp app, IEnumerable<SeedOrder> orders)
    {
        var at = DateTime.UtcNow.AddDays(-10).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        await using var tx = await connection.BeginTransactionAsync();
        var n = 0;
        foreach (var o in orders)
        {
            n++;
            await connection.ExecuteAsync(InsertOrderSql, new
            {
                OrderNumber = $"ORD-SEED-{n:D6}",
                Email = o.Erased ? "[erased]" : o.Email,
                Name = o.Erased ? "[erased]" : "Customer " + n,
                o.Status,
                At = at,
                PaidAt = o.Status == "paid" ? at : null,
                ErasedAt = o.Erased ? at : null,
            }, tx);
        }

        await tx.CommitAsync();
    }

    public static string Day(int fromToday) => DateTime.UtcNow.Date.AddDays(fromToday).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static object Draft(string subject = "A new use of your e-mail address") => new
    {
        subject,
        body = "We would like to send you a short survey about PhotoShrink once a year.\n\nWe will not do so unless you agree.",
        effectiveOn = Day(30),
        respondBy = Day(14),
    };

    public static async Task<long> CreateAndSendAsync(SupportSession admin, object? draft = null)
    {
        using var created = await admin.PostJsonAsync("/api/support/notices", draft ?? Draft());
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (await created.ReadAsync<JsonElement>()).GetProperty("id").GetInt64();
        using var sent = await admin.PostJsonAsync($"/api/support/notices/{id}/send", new { });
        Assert.True(sent.StatusCode == HttpStatusCode.Accepted, await sent.Content.ReadAsStringAsync());
        return id;
    }

    public static string[] NoticeMails(OrdersApp app) =>
        Directory.Exists(app.OutboxDirectory)
            ? Directory.GetFiles(app.OutboxDirectory, "*-privacy-notice.eml")
            : [];

    public static async Task<MimeMessage> WaitForNoticeMailAsync(OrdersApp app)
    {
        var files = await Eventually.GetAsync(() => Task.FromResult(NoticeMails(app)), f => f.Length >= 1, what: "a privacy-notice e-mail");
        return await MimeMessage.LoadAsync(Assert.Single(files));
    }

    // The personal link in the e-mail: path and query, ready for the test's HTTP client.
    public static (string Path, long RecipientId, string Token) ConsentLink(MimeMessage mail)
    {
        var match = LinkPattern().Match(mail.TextBody ?? "");
        Assert.True(match.Success, "no consent link in the e-mail:\n" + mail.TextBody);
        return (match.Groups[1].Value, long.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture), Uri.UnescapeDataString(match.Groups[3].Value));
    }

    [GeneratedRegex(@"https?://[^/\s]+(/privacy/notices/(\d+)\?token=([A-Za-z0-9_%\-]+))")]
    private static partial Regex LinkPattern();
}
