using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Orders.Api.Hosting;

// The service's own instruments (System.Diagnostics.Metrics), exported through OpenTelemetry when an
// exporter is configured. Tags are provider names, outcomes and job names: never customer data.
internal sealed class OrdersMetrics : IDisposable
{
    public const string MeterName = "Orders";

    private readonly Meter meter;
    private readonly Counter<long> checkoutsStarted;
    private readonly Counter<long> ordersPaid;
    private readonly Counter<long> ordersEnded;
    private readonly Counter<long> webhooksReceived;
    private readonly Counter<long> webhooksRejected;
    private readonly Counter<long> webhooksDuplicated;
    private readonly Histogram<double> jobDuration;
    private readonly Counter<long> jobFailures;
    private readonly Counter<long> emailsSent;
    private readonly Counter<long> emailsFailed;
    private readonly Counter<long> emailsSentAfterTakeOver;
    private long inboxBacklog;

    public OrdersMetrics(IMeterFactory meterFactory)
    {
        meter = meterFactory.Create(MeterName);
        checkoutsStarted = meter.CreateCounter<long>("orders.checkouts.started", description: "Checkouts started, by provider");
        ordersPaid = meter.CreateCounter<long>("orders.paid", description: "Orders that became paid, by provider");
        ordersEnded = meter.CreateCounter<long>("orders.refunded", description: "Orders refunded or reversed, by provider and status");
        webhooksReceived = meter.CreateCounter<long>("orders.webhooks.received", description: "Verified webhooks stored, by provider");
        webhooksRejected = meter.CreateCounter<long>("orders.webhooks.rejected", description: "Webhooks refused, by provider and reason");
        webhooksDuplicated = meter.CreateCounter<long>("orders.webhooks.duplicated", description: "Repeat deliveries of a stored event, by provider");
        jobDuration = meter.CreateHistogram<double>("orders.jobs.duration", unit: "s", description: "Background job run time, by job");
        jobFailures = meter.CreateCounter<long>("orders.jobs.failures", description: "Background job runs that failed, by job");
        emailsSent = meter.CreateCounter<long>("orders.emails.sent", description: "E-mails sent, by kind");
        emailsFailed = meter.CreateCounter<long>("orders.emails.failed", description: "E-mail attempts that failed, by kind");
        emailsSentAfterTakeOver = meter.CreateCounter<long>("orders.emails.sent_after_takeover", description: "E-mails an instance sent after others had taken it for dead and taken them over (sent twice)");
        meter.CreateObservableGauge("orders.inbox.backlog", () => Interlocked.Read(ref inboxBacklog), description: "Unprocessed inbox events at the last recovery sweep");
    }

    public void CheckoutStarted(string provider) => checkoutsStarted.Add(1, new KeyValuePair<string, object?>("provider", provider));

    public void OrderPaid(string provider) => ordersPaid.Add(1, new KeyValuePair<string, object?>("provider", provider));

    public void OrderEnded(string provider, string status) =>
        ordersEnded.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("status", status));

    public void WebhookReceived(string provider) => webhooksReceived.Add(1, new KeyValuePair<string, object?>("provider", provider));

    public void WebhookRejected(string provider, string reason) =>
        webhooksRejected.Add(1, new KeyValuePair<string, object?>("provider", provider), new KeyValuePair<string, object?>("reason", reason));

    public void WebhookDuplicated(string provider) => webhooksDuplicated.Add(1, new KeyValuePair<string, object?>("provider", provider));

    public void EmailSent(string kind) => emailsSent.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void EmailFailed(string kind) => emailsFailed.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void EmailSentAfterTakeOver(int count) => emailsSentAfterTakeOver.Add(count);

    public void InboxBacklog(long count) => Interlocked.Exchange(ref inboxBacklog, count);

    public async Task TimeJobAsync(string job, Func<Task> run)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await run();
        }
        catch
        {
            jobFailures.Add(1, new KeyValuePair<string, object?>("job", job));
            throw;
        }
        finally
        {
            jobDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("job", job));
        }
    }

    public void Dispose() => meter.Dispose();
}
