using System.Net;
using System.Text.Json;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Orders.Api.PaymentEvents;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Webhooks;

// Queuing the processing of stored events is a round trip to Hangfire's storage (a SQL Server in
// production). Storing and acknowledging webhooks must not wait for it.
public sealed class SlowJobStorageTests : IAsyncLifetime
{
    private readonly TaskCompletionSource jobStorageAnswers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentQueue<long[]> processingJobs = new();
    private readonly OrdersApp app;
    private Shop shop = null!;

    public SlowJobStorageTests()
    {
        app = new OrdersApp(replaceServices: services => services.AddSingleton<IBackgroundJobClient>(sp =>
            new StuckProcessingJobsClient(sp.GetRequiredService<JobStorage>(), jobStorageAnswers.Task, processingJobs)));
    }

    public ValueTask InitializeAsync()
    {
        shop = new Shop(app);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        jobStorageAnswers.TrySetResult();
        await app.DisposeAsync();
    }

    [Fact]
    public async Task WebhooksAreStoredAndAcknowledgedWhileQueuingTheirProcessingIsStuck()
    {
        var first = await shop.CheckoutAsync();
        var second = await shop.CheckoutAsync(email: "grace@example.com", licenseeName: "Grace Hopper");

        // The first event's processing job is now stuck on its way into Hangfire's storage; the
        // second event is stored and acknowledged all the same.
        var firstCapture = await shop.PaidAtPayPalSilentlyAsync(first);
        var secondCapture = await shop.PaidAtPayPalSilentlyAsync(second);
        var firstAnswer = await AcknowledgeAsync(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", first.OrderNumber, first.PayPalOrderId, firstCapture, "49.00"));
        var secondAnswer = await AcknowledgeAsync(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", second.OrderNumber, second.PayPalOrderId, secondCapture, "49.00"));

        Assert.False(firstAnswer.GetProperty("duplicate").GetBoolean());
        Assert.False(secondAnswer.GetProperty("duplicate").GetBoolean());
        Assert.Equal(2, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL"));
        Assert.Equal("pending", (await shop.OrderAsync(first))!.Status);

        jobStorageAnswers.SetResult();
        await shop.WaitForStatusAsync(first, "paid");
        await shop.WaitForStatusAsync(second, "paid");
    }

    [Fact]
    public async Task EventsStoredWhileTheJobStorageIsStuckAreQueuedTogetherInOneJob()
    {
        var orders = new List<CheckoutDto>();
        var captureIds = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            orders.Add(await shop.CheckoutAsync(email: $"buyer{i}@example.com", licenseeName: $"Buyer {i}"));
            captureIds.Add(await shop.PaidAtPayPalSilentlyAsync(orders[i]));
        }

        // Each webhook is its own commit and its own group. The first group's job is stuck on its way
        // into the storage; the next ones pile up behind it (the second and third surely before the
        // fourth is acknowledged).
        var inboxIds = new List<long>();
        for (var i = 0; i < orders.Count; i++)
        {
            var answer = await AcknowledgeAsync(PayPalEventsFactory.CaptureEvent(
                "PAYMENT.CAPTURE.COMPLETED", orders[i].OrderNumber, orders[i].PayPalOrderId, captureIds[i], "49.00"));
            inboxIds.Add(answer.GetProperty("inboxId").GetInt64());
        }

        jobStorageAnswers.SetResult();
        foreach (var order in orders)
        {
            await shop.WaitForStatusAsync(order, "paid");
        }

        // Not asserted: that the first job holds the first event alone. The writer hands a group over
        // just after acknowledging it, and on a loaded machine the next webhook can be queued first.
        var jobs = processingJobs.ToArray();
        Assert.Equal(inboxIds, jobs.SelectMany(job => job).Distinct().Order());
        Assert.Contains(jobs, job => job.Contains(inboxIds[1]) && job.Contains(inboxIds[2]));
        Assert.All(jobs, job => Assert.InRange(job.Length, 1, PaymentEventStore.JobSize));
    }

    private async Task<JsonElement> AcknowledgeAsync(System.Text.Json.Nodes.JsonObject paypalEvent)
    {
        // Before the fix the second webhook waited for the stuck job forever; give it ten seconds.
        using var response = await shop.PostSignedWebhookAsync(paypalEvent).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync<JsonElement>();
    }

    // Hangfire's own client over the service's job storage, except that creating a processing job
    // waits until the test lets it through: a job storage that has stopped answering for a while.
    // It also notes the inbox ids of every processing job it lets through.
    private sealed class StuckProcessingJobsClient(JobStorage storage, Task answers, System.Collections.Concurrent.ConcurrentQueue<long[]> created) : IBackgroundJobClient
    {
        private readonly BackgroundJobClient client = new(storage);

        public string Create(Job job, IState state)
        {
            if (job.Type == typeof(ProcessInboxBatchJob))
            {
                answers.Wait();
                created.Enqueue((long[])job.Args[0]);
            }

            return client.Create(job, state);
        }

        public bool ChangeState(string jobId, IState state, string expectedState) => client.ChangeState(jobId, state, expectedState);
    }
}

public sealed class ProcessingJobGroupingTests
{
    [Fact]
    public void GroupsWaitingForTheJobStorageAreJoinedUpToOneJobsSize()
    {
        var groups = System.Threading.Channels.Channel.CreateUnbounded<long[]>();
        long next = 1;
        long[] Group(int size) => Enumerable.Range(0, size).Select(_ => next++).ToArray();
        var big = Group(PaymentEventStore.JobSize - 28);
        var small = Group(20);
        var overflowing = Group(10);
        var last = Group(3);
        foreach (var group in new[] { big, small, overflowing, last })
        {
            groups.Writer.TryWrite(group);
        }

        Assert.Equal([.. big, .. small], PaymentEventStore.TakeJob(groups.Reader)!);
        Assert.Equal([.. overflowing, .. last], PaymentEventStore.TakeJob(groups.Reader)!);
        Assert.Null(PaymentEventStore.TakeJob(groups.Reader));
    }

    [Fact]
    public void AFullGroupIsAJobOfItsOwn()
    {
        var groups = System.Threading.Channels.Channel.CreateUnbounded<long[]>();
        var full = Enumerable.Range(1, PaymentEventStore.JobSize).Select(i => (long)i).ToArray();
        groups.Writer.TryWrite(full);
        groups.Writer.TryWrite([1000]);

        Assert.Same(full, PaymentEventStore.TakeJob(groups.Reader));
        Assert.Equal([1000L], PaymentEventStore.TakeJob(groups.Reader)!);
    }
}
