using System.Net;
using System.Text.Json;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.DependencyInjection;
using Orders.Api.Webhooks;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Webhooks;

// Queuing the processing of stored events is a round trip to Hangfire's storage (a SQL Server in
// production). Storing and acknowledging webhooks must not wait for it.
public sealed class SlowJobStorageTests : IAsyncLifetime
{
    private readonly TaskCompletionSource jobStorageAnswers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly OrdersApp app;
    private Shop shop = null!;

    public SlowJobStorageTests()
    {
        app = new OrdersApp(replaceServices: services => services.AddSingleton<IBackgroundJobClient>(sp =>
            new StuckProcessingJobsClient(sp.GetRequiredService<JobStorage>(), jobStorageAnswers.Task)));
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
        var firstAnswer = await AcknowledgeAsync(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", first.OrderNumber, first.PayPalOrderId, "CAPTURE00000000101", "49.00"));
        var secondAnswer = await AcknowledgeAsync(PayPalEventsFactory.CaptureEvent("PAYMENT.CAPTURE.COMPLETED", second.OrderNumber, second.PayPalOrderId, "CAPTURE00000000102", "49.00"));

        Assert.False(firstAnswer.GetProperty("duplicate").GetBoolean());
        Assert.False(secondAnswer.GetProperty("duplicate").GetBoolean());
        Assert.Equal(2, await shop.CountAsync("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL"));
        Assert.Equal("pending", (await shop.OrderAsync(first))!.Status);

        jobStorageAnswers.SetResult();
        await shop.WaitForStatusAsync(first, "paid");
        await shop.WaitForStatusAsync(second, "paid");
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
    private sealed class StuckProcessingJobsClient(JobStorage storage, Task answers) : IBackgroundJobClient
    {
        private readonly BackgroundJobClient client = new(storage);

        public string Create(Job job, IState state)
        {
            if (job.Type == typeof(ProcessInboxBatchJob))
            {
                answers.Wait();
            }

            return client.Create(job, state);
        }

        public bool ChangeState(string jobId, IState state, string expectedState) => client.ChangeState(jobId, state, expectedState);
    }
}
