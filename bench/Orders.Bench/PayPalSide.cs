using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orders.Sandbox;
using Orders.Sandbox.PayPal;

namespace Orders.Bench;

// "PayPal" for the benchmark: the project's own sandbox, hosted in this process on a loopback port.
// The service under test is pointed at it (PayPal:BaseUrl), so it fetches and trusts the sandbox's
// signing certificate; the webhooks are signed here with the sandbox's PayPalWebhookSigner, i.e.
// exactly as the sandbox (and PayPal) signs them. All signing happens before a measurement starts.
internal sealed class PayPalSide : IAsyncDisposable
{
    public const string WebhookId = "WH-ORDERS-SANDBOX";
    private readonly WebApplication app;

    private PayPalSide(WebApplication app, int port)
    {
        this.app = app;
        Port = port;
        Signer = app.Services.GetRequiredService<PayPalWebhookSigner>();
    }

    public int Port { get; }

    public PayPalWebhookSigner Signer { get; }

    public string ApiBase => $"http://127.0.0.1:{Port}/sandbox/paypal";

    public static async Task<PayPalSide> StartAsync()
    {
        var port = ManagedProcess.FreePort();
        // The sandbox refuses Production; this process is a test harness.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Development", Args = [] });
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.Services.AddPayPalSandbox(builder.Configuration.GetSection("Sandbox:PayPal"));
        var app = builder.Build();
        app.MapPayPalSandbox();
        await app.StartAsync();
        return new PayPalSide(app, port);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    // The seeded pending orders, paid at "PayPal": each gets an approved order with a completed
    // capture in the sandbox (no webhook), so that the service, which confirms every notification
    // with PayPal's API before it acts, finds the capture its event names.
    public List<PaidEvent> PaidAtPayPal(IEnumerable<SeededOrder> orders)
    {
        var sandbox = app.Services.GetRequiredService<SandboxOrders>();
        return [.. orders.Select(o =>
        {
            var body = new JsonObject
            {
                ["intent"] = "CAPTURE",
                ["purchase_units"] = new JsonArray(new JsonObject
                {
                    ["custom_id"] = o.Number,
                    ["invoice_id"] = o.Number,
                    ["amount"] = new JsonObject { ["currency_code"] = "USD", ["value"] = "49.00" },
                }),
            };
            return PaidEvent.For(o.Number, o.PayPalOrderId) with { CaptureId = sandbox.SeedCaptured(o.PayPalOrderId, body) };
        })];
    }

    // Signed POST /webhooks/paypal requests for these events, built in parallel on every core.
    public byte[][] SignAll(IReadOnlyList<PaidEvent> events, string hostPort)
    {
        var requests = new byte[events.Count][];
        Parallel.For(0, events.Count, i =>
        {
            var body = events[i].Body();
            var headers = Signer.Sign(body, WebhookId).ToList();
            headers.Add(new("User-Agent", "PayPal/AUHD-214.0-58869349"));
            requests[i] = HttpLoad.Post(hostPort, "/webhooks/paypal", body, headers);
        });
        return requests;
    }
}

// A PAYMENT.CAPTURE.COMPLETED event as PayPal sends it (the fields and links of a real capture
// event, about 1.7 KB), for one order.
internal sealed record PaidEvent(string EventId, string OrderNumber, string PayPalOrderId, string CaptureId, long AmountMinor, string Currency)
{
    private static readonly string Created = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static PaidEvent For(string orderNumber, string payPalOrderId, long amountMinor = 4900, string currency = "USD") =>
        new("WH-" + Id(17) + "-" + Id(17), orderNumber, payPalOrderId, Id(17), amountMinor, currency);

    public static string Id(int length) => RandomNumberGenerator.GetString("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ", length);

    public byte[] Body()
    {
        var value = (AmountMinor / 100m).ToString("0.00", CultureInfo.InvariantCulture);
        var fee = (AmountMinor * 0.0349m / 100m + 0.49m).ToString("0.00", CultureInfo.InvariantCulture);
        var net = (AmountMinor / 100m - decimal.Parse(fee, CultureInfo.InvariantCulture)).ToString("0.00", CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetBytes($$$"""
            {"id":"{{{EventId}}}","event_version":"1.0","create_time":"{{{Created}}}","resource_type":"capture","resource_version":"2.0","event_type":"PAYMENT.CAPTURE.COMPLETED","summary":"Payment completed for {{{value}}} {{{Currency}}}","resource":{"id":"{{{CaptureId}}}","amount":{"currency_code":"{{{Currency}}}","value":"{{{value}}}"},"final_capture":true,"seller_protection":{"status":"ELIGIBLE","dispute_categories":["ITEM_NOT_RECEIVED","UNAUTHORIZED_TRANSACTION"]},"seller_receivable_breakdown":{"gross_amount":{"currency_code":"{{{Currency}}}","value":"{{{value}}}"},"paypal_fee":{"currency_code":"{{{Currency}}}","value":"{{{fee}}}"},"net_amount":{"currency_code":"{{{Currency}}}","value":"{{{net}}}"}},"custom_id":"{{{OrderNumber}}}","invoice_id":"{{{OrderNumber}}}","status":"COMPLETED","supplementary_data":{"related_ids":{"order_id":"{{{PayPalOrderId}}}"}},"create_time":"{{{Created}}}","update_time":"{{{Created}}}","links":[{"href":"https://api.paypal.com/v2/payments/captures/{{{CaptureId}}}","rel":"self","method":"GET"},{"href":"https://api.paypal.com/v2/payments/captures/{{{CaptureId}}}/refund","rel":"refund","method":"POST"},{"href":"https://api.paypal.com/v2/checkout/orders/{{{PayPalOrderId}}}","rel":"up","method":"GET"}]},"links":[{"href":"https://api.paypal.com/v1/notifications/webhooks-events/{{{EventId}}}","rel":"self","method":"GET","encType":"application/json"},{"href":"https://api.paypal.com/v1/notifications/webhooks-events/{{{EventId}}}/resend","rel":"resend","method":"POST","encType":"application/json"}]}
            """);
    }
}
