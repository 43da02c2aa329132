using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Hashing;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Hangfire;
using Hangfire.Storage.SQLite;
using Orders.Bench.Naive;

// The naive peer: the webhook endpoint most teams write first. It checks PayPal's signature the
// same way the service does (CRC-32 + SHA256withRSA against the certificate named in the headers,
// fetched once), then hands the whole payload to Hangfire with the static BackgroundJob.Enqueue,
// each request its own enqueue into Hangfire.Storage.SQLite. No job server runs here: only the
// acknowledgement path is measured, as for the service.
// Usage: Orders.Bench.Naive --urls=http://127.0.0.1:PORT --Naive:Database=/path/hangfire.db --Naive:WebhookId=WH-…
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.Services.AddHttpClient();
var app = builder.Build();

var databasePath = app.Configuration["Naive:Database"] ?? Path.Combine(Path.GetTempPath(), "naive-hangfire.db");
var webhookId = app.Configuration["Naive:WebhookId"] ?? "WH-ORDERS-SANDBOX";
GlobalConfiguration.Configuration
    .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
    .UseSimpleAssemblyNameTypeSerializer()
    .UseRecommendedSerializerSettings()
    .UseSQLiteStorage(databasePath);

var certificates = new ConcurrentDictionary<string, X509Certificate2>(StringComparer.Ordinal);
var http = app.Services.GetRequiredService<IHttpClientFactory>();

app.MapPost("/webhooks/paypal", async (HttpRequest request) =>
{
    using var buffer = new MemoryStream();
    await request.Body.CopyToAsync(buffer);
    var body = buffer.ToArray();

    string? id = request.Headers["PAYPAL-TRANSMISSION-ID"];
    string? time = request.Headers["PAYPAL-TRANSMISSION-TIME"];
    string? signature = request.Headers["PAYPAL-TRANSMISSION-SIG"];
    string? certUrl = request.Headers["PAYPAL-CERT-URL"];
    if (id is null || time is null || signature is null || certUrl is null)
    {
        return Results.BadRequest();
    }

    if (!certificates.TryGetValue(certUrl, out var certificate))
    {
        var pem = await http.CreateClient().GetStringAsync(new Uri(certUrl));
        certificate = certificates.GetOrAdd(certUrl, X509Certificate2.CreateFromPem(pem));
    }

    var crc = Crc32.HashToUInt32(body).ToString(CultureInfo.InvariantCulture);
    using var rsa = certificate.GetRSAPublicKey();
    if (rsa is null || !rsa.VerifyData(Encoding.UTF8.GetBytes($"{id}|{time}|{webhookId}|{crc}"), Convert.FromBase64String(signature),
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
    {
        return Results.Unauthorized();
    }

    var jobId = BackgroundJob.Enqueue(() => NaiveJobs.Handle(Encoding.UTF8.GetString(body)));
    return Results.Ok(new { jobId });
});

app.Run();

namespace Orders.Bench.Naive
{
    public static class NaiveJobs
    {
        public static void Handle(string payload) => ArgumentNullException.ThrowIfNull(payload);
    }
}
