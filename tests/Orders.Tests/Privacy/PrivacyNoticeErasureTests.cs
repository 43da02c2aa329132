using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Orders.Api.Mail;
using Orders.Api.Privacy;
using Orders.Tests.Infrastructure;
using Orders.Tests.Support;
using static Orders.Tests.Privacy.NoticeTestKit;

namespace Orders.Tests.Privacy;

public sealed class PrivacyNoticeErasureTests
{
    [Fact]
    public async Task ACustomerErasedWhileTheNoticeIsUnderWayIsNotMailed()
    {
        // No job server: the test runs the mailing and the sends itself, to erase a customer in between.
        await using var app = new OrdersApp(settings: new() { ["Jobs:RunServer"] = "false" });
        await SeedAsync(app, [new("ada@example.com"), new("grace@example.com"), new("linus@example.com")]);
        using var admin = await SupportSession.AdminAsync(app);
        var noticeId = await CreateAndSendAsync(admin);

        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<PrivacyNoticeMailingJob>().RunAsync(CancellationToken.None);
        }

        var shop = new Shop(app);
        Assert.Equal(3, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE kind = 'privacy-notice' AND status = 'pending'"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM privacy_notices WHERE status = 'sent'"));

        // Grace has her data erased after her e-mail was queued, before it went out.
        using (var erased = await admin.PostJsonAsync("/api/support/customers/erase", new { email = "grace@example.com" }))
        {
            Assert.True(erased.IsSuccessStatusCode, await erased.Content.ReadAsStringAsync());
        }

        await using (var connection = await app.Db.OpenAsync(CancellationToken.None))
        {
            foreach (var id in await connection.QueryAsync<long>("SELECT id FROM deliveries ORDER BY id"))
            {
                using var scope = app.Services.CreateScope();
                await scope.ServiceProvider.GetRequiredService<SendDeliveryJob>().RunAsync(id, CancellationToken.None);
            }
        }

        Assert.Equal(2, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'canceled' AND last_error = 'customer data erased'"));
        var sentTo = new List<string>();
        foreach (var file in NoticeMails(app))
        {
            using var message = await MimeMessage.LoadAsync(file);
            sentTo.Add(Assert.Single(message.To.Mailboxes).Address);
        }

        Assert.Equal(["ada@example.com", "linus@example.com"], sentTo.Order(StringComparer.Ordinal));
        var progress = (await admin.GetJsonAsync($"/api/support/notices/{noticeId}")).GetProperty("progress");
        Assert.Equal(2, progress.GetProperty("sent").GetInt64());
        Assert.Equal(1, progress.GetProperty("canceled").GetInt64());
        Assert.Equal(0, progress.GetProperty("waiting").GetInt64());

        // A later notice does not list the erased customer at all.
        await CreateAndSendAsync(admin, Draft("Another question"));
        using (var scope = app.Services.CreateScope())
        {
            await scope.ServiceProvider.GetRequiredService<PrivacyNoticeMailingJob>().RunAsync(CancellationToken.None);
        }

        Assert.Equal(2, await shop.CountAsync("SELECT COUNT(*) FROM privacy_notice_recipients WHERE notice_id = @Id", new { Id = noticeId + 1 }));
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE to_address LIKE '%grace%'"));
    }
}
