using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;
using Orders.Api.Data;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Recovery;

// Every instance writes a heartbeat (service_instances) and names itself on the e-mails it claims.
// When an instance stops beating for Instances:Timeout (30 s) the others release its claims and
// send the e-mails; a live instance's claims are left alone; an instance taken for dead that wakes
// up cannot record what it sent over the claim of the one that took it over; and an instance that
// stops cleanly hands its claims back at once.
public sealed class InstanceClaimTests
{
    [Fact]
    public async Task AnEmailClaimedByAnInstanceThatStoppedBeatingIsSentByASurvivorWithinTheTimeout()
    {
        await using var app = new OrdersApp();
        var shop = new Shop(app);
        var checkout = await PaidAsync(shop);
        var now = app.Clock.GetUtcNow().UtcDateTime;
        // An instance that beat 5 s ago claimed a resend for five minutes, then died.
        await ExecuteAsync(app, "INSERT INTO service_instances (id, started_at, heartbeat_at) VALUES ('gone', @At, @At)", new { At = now.AddSeconds(-5) });
        var deliveryId = await ClaimedResendAsync(app, checkout.OrderNumber, "gone");

        // 31 s after its last beat it is taken for dead; its claim is released and the e-mail sent
        // within one more heartbeat interval (5 s), long before the claim's five minutes.
        app.Clock.Advance(TimeSpan.FromSeconds(26));
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE id = @deliveryId AND status = 'sent'", new { deliveryId }), n => n == 1,
            TimeSpan.FromSeconds(20), "the dead instance's e-mail to be sent by the survivor");
        Assert.Equal(2, await shop.CountAsync("SELECT attempts FROM deliveries WHERE id = @deliveryId", new { deliveryId }));
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM service_instances WHERE id = 'gone'"));
        Assert.Equal(2, (await shop.WaitForMailsAsync(checkout.OrderNumber, 2)).Length);
        Assert.Contains(app.Logs.Lines, l => l.Contains("Released 1 e-mail claim(s) held by an instance taken for dead", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnEmailClaimedByALiveInstanceIsNotTakenWhileADeadOnesIs()
    {
        var dataDirectory = NewDataDirectory();
        await using var first = new OrdersApp(dataDirectory);
        await using var second = new OrdersApp(dataDirectory, new() { ["Instances:ReleaseOthersAtStartup"] = "false" });
        var shop = new Shop(first);
        var checkout = await PaidAsync(shop);
        _ = second.ServerAddress;
        var live = first.Service<ServiceInstance>().Id;
        var liveClaim = await ClaimedResendAsync(first, checkout.OrderNumber, live);
        await ExecuteAsync(first, "INSERT INTO service_instances (id, started_at, heartbeat_at) VALUES ('gone', @At, @At)",
            new { At = first.Clock.GetUtcNow().UtcDateTime.AddMinutes(-10) });
        var deadClaim = await ClaimedResendAsync(first, checkout.OrderNumber, "gone");

        // Both instances watch: by the time the dead one's e-mail is sent, each has looked at least once.
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE id = @deadClaim AND status = 'sent'", new { deadClaim }), n => n == 1,
            TimeSpan.FromSeconds(20), "the dead instance's e-mail to be sent");
        // And each beats (then watches) once more, a whole interval later.
        var after = first.Clock.GetUtcNow().UtcDateTime.AddSeconds(6);
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM service_instances WHERE heartbeat_at > @after", new { after }), n => n == 2,
            TimeSpan.FromSeconds(20), "both instances to beat again");
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE id = @liveClaim AND status = 'sending' AND claimed_by = @live", new { liveClaim, live }));
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM service_instances WHERE id = @live", new { live }));
    }

    [Fact]
    public async Task AnInstanceTakenForDeadThatWakesUpCannotRecordItsSendOverTheClaimOfTheInstanceThatTookItOver()
    {
        await using var smtp = new LoopbackSmtpServer();
        var firstSending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstMayFinish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondSending = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondMayFinish = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var messages = 0;
        smtp.BeforeAnswer = async _ =>
        {
            if (Interlocked.Increment(ref messages) == 1)
            {
                firstSending.TrySetResult();
                await firstMayFinish.Task;
            }
            else
            {
                secondSending.TrySetResult();
                await secondMayFinish.Task;
            }

            return true;
        };
        smtp.Start();
        var dataDirectory = NewDataDirectory();
        await using var first = new OrdersApp(dataDirectory, SmtpSettings(smtp));
        var shop = new Shop(first);
        var checkout = await shop.CheckoutAsync();
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();

        // The first instance is in the middle of the SMTP conversation when it stalls (a long pause,
        // a lost connection): the second sees no heartbeat from it for over 30 s.
        await firstSending.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var stalled = first.Service<ServiceInstance>().Id;
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sending' AND claimed_by = @stalled", new { stalled }));
        await using var second = new OrdersApp(dataDirectory, new(SmtpSettings(smtp)) { ["Instances:ReleaseOthersAtStartup"] = "false" });
        _ = second.ServerAddress;
        second.Clock.Advance(TimeSpan.FromSeconds(45));
        await secondSending.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var survivor = second.Service<ServiceInstance>().Id;
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sending' AND claimed_by = @survivor", new { survivor }));

        // The first wakes up, its message goes out, and its "sent" finds the claim gone: the row stays the survivor's.
        firstMayFinish.SetResult();
        await Eventually.GetAsync(() => Task.FromResult(first.Logs.Lines.Any(l => l.Contains("went out after this instance had lost its claim on them", StringComparison.Ordinal))),
            seen => seen, TimeSpan.FromSeconds(20), "the first instance to find its claim taken over");
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sending' AND claimed_by = @survivor AND sent_at IS NULL", new { survivor }));

        secondMayFinish.SetResult();
        await Eventually.GetAsync(() => shop.CountAsync("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), n => n == 1, TimeSpan.FromSeconds(20), "the survivor to record its send");
        Assert.Equal(2, smtp.Messages.Count);
        Assert.Equal(2, await shop.CountAsync("SELECT attempts FROM deliveries"));
    }

    [Fact]
    public async Task ACleanShutdownReleasesTheInstancesClaimsAtOnce()
    {
        var app = new OrdersApp();
        long deliveryId;
        try
        {
            var checkout = await PaidAsync(new Shop(app));
            deliveryId = await ClaimedResendAsync(app, checkout.OrderNumber, app.Service<ServiceInstance>().Id);
        }
        finally
        {
            await app.DisposeAsync();
        }

        await using var connection = new SqliteConnection($"Data Source={app.DatabasePath};Pooling=False");
        Assert.Equal("pending", await connection.ExecuteScalarAsync<string>("SELECT status || COALESCE(claimed_by, '') || COALESCE(claimed_until, '') FROM deliveries WHERE id = @deliveryId", new { deliveryId }));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM service_instances"));
        Assert.Contains(app.Logs.Lines, l => l.Contains("Released 1 e-mail claim(s) of this instance as it stops", StringComparison.Ordinal));
    }

    [Fact]
    public void AnInstanceTimeoutShorterThanFourHeartbeatsIsRefusedNamingTheSettings()
    {
        using var app = new OrdersApp(settings: new() { ["Instances:HeartbeatInterval"] = "00:00:10", ["Instances:Timeout"] = "00:00:20" });
        var message = Assert.ThrowsAny<Exception>(() => app.Http()).ToString();
        Assert.Contains("Instances:Timeout must be at least four times Instances:HeartbeatInterval", message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> SmtpSettings(LoopbackSmtpServer smtp) => new()
    {
        ["Mail:Mode"] = "Smtp",
        ["Mail:Host"] = "127.0.0.1",
        ["Mail:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
        ["Mail:Tls"] = "None",
        ["Mail:Timeout"] = "00:01:00",
    };

    private static string NewDataDirectory() => Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N"));

    // Paid through the customer's return (captured inline); its license e-mail sent.
    private static async Task<CheckoutDto> PaidAsync(Shop shop)
    {
        var checkout = await shop.CheckoutAsync();
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        await shop.WaitForMailsAsync(checkout.OrderNumber);
        return checkout;
    }

    // A resend of the order's license, claimed by `holder` for five minutes (as SendDeliveryJob claims).
    private static async Task<long> ClaimedResendAsync(OrdersApp app, string orderNumber, string holder)
    {
        var now = app.Clock.GetUtcNow().UtcDateTime;
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>("""
            INSERT INTO deliveries (order_id, kind, dedupe_key, to_address, status, attempts, created_at, next_attempt_at, claimed_until, claimed_by)
            SELECT id, 'resend', @Key, email, 'sending', 1, @Now, @Now, @Until, @Holder FROM orders WHERE order_number = @OrderNumber
            RETURNING id
            """, new { Key = "test-resend:" + Guid.NewGuid().ToString("N"), Now = now, Until = now.AddMinutes(5), Holder = holder, OrderNumber = orderNumber });
    }

    private static async Task ExecuteAsync(OrdersApp app, string sql, object args)
    {
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        await connection.ExecuteAsync(sql, args);
    }
}
