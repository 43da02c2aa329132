using System.Net;
using System.Text.Json;
using Dapper;
using Hangfire;

namespace Orders.Tests.Infrastructure;

// For "nothing else happens" checks: an absence asserted after a fixed sleep passes whenever the
// late duplicate is later than the sleep. This waits instead until the service and its sandbox have
// nothing left to do, seen on two checks in a row, so that an absence asserted next is final.
public static class Idle
{
    // A provider's delivery that is still on its way (sent, being sent, or waiting to be retried).
    private static readonly string[] SandboxOutboxes = ["/sandbox/paypal/_webhooks", "/sandbox/stripe/_webhooks", "/sandbox/avangate/_notifications"];

    private static readonly string[] Finished = ["delivered", "dropped", "failed", "stopped"];

    private const string BusyRows = """
        SELECT (SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL)
             + (SELECT COUNT(*) FROM deliveries WHERE status = 'sending' OR (status = 'pending' AND next_attempt_at <= @Now))
        """;

    public static async Task WaitUntilIdleAsync(this OrdersApp app, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        using var http = app.Http();
        var quietChecks = 0;
        string? busy = null;
        while (DateTime.UtcNow < deadline)
        {
            busy = await WhatIsBusyAsync(app, http);
            quietChecks = busy is null ? quietChecks + 1 : 0;
            if (quietChecks == 2)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"Timed out waiting for the service to be idle; still busy: {busy}");
    }

    private static async Task<string?> WhatIsBusyAsync(OrdersApp app, HttpClient http)
    {
        foreach (var outbox in SandboxOutboxes)
        {
            using var response = await http.GetAsync(outbox);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                continue; // that provider's sandbox is not mounted
            }

            response.EnsureSuccessStatusCode();
            var deliveries = await response.ReadAsync<JsonElement[]>();
            var onItsWay = deliveries.Count(d => !Finished.Contains(d.GetProperty("state").GetString()));
            if (onItsWay > 0)
            {
                return $"{onItsWay} sandbox delivery(ies) on their way at {outbox}";
            }
        }

        await using (var connection = await app.Db.OpenAsync(CancellationToken.None))
        {
            var rows = await connection.ExecuteScalarAsync<long>(BusyRows, new { Now = app.Clock.GetUtcNow().UtcDateTime });
            if (rows > 0)
            {
                return $"{rows} unprocessed inbox row(s) or due e-mail(s)";
            }
        }

        var jobs = app.Service<JobStorage>().GetMonitoringApi();
        var enqueued = jobs.Queues().Sum(q => q.Length);
        var processing = jobs.ProcessingCount();
        // Retries Hangfire runs soon count; the minutely recurring sweep does not.
        var dueSoon = jobs.ScheduledJobs(0, 1000).Count(j => j.Value.EnqueueAt <= DateTime.UtcNow.AddSeconds(5));
        return enqueued + processing + dueSoon > 0 ? $"jobs: {enqueued} enqueued, {processing} processing, {dueSoon} scheduled within 5 s" : null;
    }
}
