using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orders.Api.Payments.PayPal;
using Orders.Sandbox;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Webhooks;

// PAYPAL-CERT-URL is read before the signature can be checked: whatever a sender writes there must
// neither grow the service nor turn into a stream of requests to PayPal.
// Alone: it measures the managed memory of the whole test process, which other tests would add to.
[Collection(RunsAlone.Name)]
public sealed class PayPalCertificateCacheTests : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, int> fetches = new(StringComparer.Ordinal);
    private static readonly byte[] Body = "{\"id\":\"WH-1\"}"u8.ToArray();
    private readonly OrdersApp app;
    private Shop shop = null!;
    private IReadOnlyDictionary<string, string>? signed;

    public PayPalCertificateCacheTests()
    {
        // Quiet logs: the captured log lines would otherwise be the memory this test measures.
        app = new OrdersApp(
            settings: new() { ["Logging:LogLevel:Default"] = "Error", ["Logging:LogLevel:Microsoft"] = "Error", ["Logging:LogLevel:Hangfire"] = "Error" },
            replaceServices: services => services.AddHttpClient(PayPalCertificates.HttpClientName)
                .AddHttpMessageHandler(() => new CountingHandler(fetches)));
    }

    public ValueTask InitializeAsync()
    {
        shop = new Shop(app);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();

    [Fact]
    public async Task TwentyThousandDistinctCertificateUrlsLeaveTheCacheBoundedAndEachUrlFetchedOnce()
    {
        var certUrl = app.Service<PayPalWebhookSigner>().CertUrl;
        var missing = certUrl[..(certUrl.LastIndexOf('/') + 1)] + "CERT-MISSING-";
        var certificates = app.Service<PayPalCertificates>();

        // Warm up (JIT, connection pools), then measure.
        await SendAllAsync(Enumerable.Range(0, 200).Select(i => $"{missing}warm{i}"));
        var before = ManagedMemory();

        // Distinct queries on the real certificate's URL, and distinct paths on the trusted host that
        // answer 404, each of those named by two webhooks at once.
        var urls = Enumerable.Range(0, 10_000).Select(i => $"{certUrl}?v={i}")
            .Concat(Enumerable.Range(0, 10_000).SelectMany(i => new[] { $"{missing}{i}", $"{missing}{i}" }));
        await SendAllAsync(urls);

        var after = ManagedMemory();
        Assert.InRange(certificates.CachedCount, 0, PayPalCertificates.MaxCertificates);
        Assert.InRange(certificates.RememberedFailureCount, 1, PayPalCertificates.MaxRememberedFailures);
        Assert.False(fetches.ContainsKey(certUrl), "a URL with a query is refused without a download");
        Assert.Equal(10_200, fetches.Count);
        Assert.All(fetches, f => Assert.Equal(1, f.Value));
        Assert.True(after - before < 16 * 1024 * 1024, $"managed memory grew by {(after - before) / 1024} KB");

        // The real certificate still verifies a genuine webhook.
        using var genuine = await shop.PostSignedWebhookAsync(Encoding.UTF8.GetBytes("{\"id\":\"WH-GENUINE\",\"event_type\":\"PAYMENT.CAPTURE.DENIED\",\"resource\":{}}"));
        Assert.NotEqual(HttpStatusCode.Unauthorized, genuine.StatusCode);
        Assert.Equal(1, fetches[certUrl]);
    }

    [Fact]
    public async Task AFailedDownloadIsTriedOnceAndRememberedOnlyBriefly()
    {
        var certUrl = app.Service<PayPalWebhookSigner>().CertUrl;
        var down = certUrl[..(certUrl.LastIndexOf('/') + 1)] + "CERT-DOWN-1";

        // Five webhooks at once while PayPal answers 503: one download, no retries, all told to come back.
        var statuses = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => SendAsync(down)));
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.ServiceUnavailable, s));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await SendAsync(down));
        Assert.Equal(1, fetches[down]);

        app.Clock.Advance(PayPalCertificates.FailureMemory + TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await SendAsync(down));
        Assert.Equal(2, fetches[down]);
    }

    private async Task SendAllAsync(IEnumerable<string> certUrls)
    {
        using var queue = new BlockingCollection<string>();
        foreach (var url in certUrls)
        {
            queue.Add(url);
        }

        queue.CompleteAdding();
        var failures = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (queue.TryTake(out var url))
            {
                if (await SendAsync(url) != HttpStatusCode.Unauthorized)
                {
                    failures.Add(url);
                }
            }
        })));
        Assert.Empty(failures);
    }

    // One signature for all (signing is the slow part); only the certificate URL differs.
    private async Task<HttpStatusCode> SendAsync(string certUrl)
    {
        signed ??= shop.Sign(Body);
        var headers = new Dictionary<string, string>(signed, StringComparer.OrdinalIgnoreCase) { ["PAYPAL-CERT-URL"] = certUrl };
        using var response = await shop.PostWebhookAsync(Body, headers);
        return response.StatusCode;
    }

    private static long ManagedMemory()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    // Counts every request the certificate client sends (each attempt: it sits inside the
    // resilience handler) and plays a certificate host that is down for "CERT-DOWN" URLs.
    private sealed class CountingHandler(ConcurrentDictionary<string, int> fetches) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var url = request.RequestUri!.AbsoluteUri;
            fetches.AddOrUpdate(url, 1, (_, n) => n + 1);
            return url.Contains("CERT-DOWN", StringComparison.Ordinal)
                ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable))
                : base.SendAsync(request, cancellationToken);
        }
    }
}
