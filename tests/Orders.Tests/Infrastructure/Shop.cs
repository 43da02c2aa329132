using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Orders.Api.Payments.PayPal;
using Orders.Sandbox;

namespace Orders.Tests.Infrastructure;

public sealed record CheckoutDto(string OrderNumber, string Status, string RedirectUrl, string StatusUrl)
{
    public string PayPalOrderId => System.Web.HttpUtility.ParseQueryString(new Uri(RedirectUrl).Query)["token"]!;

    public string Token => System.Web.HttpUtility.ParseQueryString(new Uri("http://x" + StatusUrl).Query)["token"]!;
}

public sealed record LicenseDto(string Key, int Seats, string Status);

public sealed record OrderDto(string OrderNumber, string Status, string Sku, string ProductName, int Quantity, long TotalMinor, string Currency,
    DateTime CreatedAt, DateTime? PaidAt, List<LicenseDto> Licenses);

// What a customer and PayPal do, spoken over HTTP against the running service and its sandbox.
public sealed class Shop(OrdersApp app)
{
    public HttpClient Http { get; } = app.Http();

    public async Task<HttpResponseMessage> PostCheckoutAsync(object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/checkout") { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await Http.SendAsync(request);
    }

    public async Task<CheckoutDto> CheckoutAsync(string sku = "PHOTOSHRINK-PRO", int quantity = 1, string email = "ada@example.com", string licenseeName = "Ada Lovelace")
    {
        using var response = await PostCheckoutAsync(new { sku, quantity, email, licenseeName, provider = "paypal" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<CheckoutDto>();
    }

    // What the sandbox's Pay button does, without a browser: approval plus the APPROVED webhook.
    public async Task<Uri> ApproveAsync(CheckoutDto checkout, string? captureStatus = null)
    {
        var query = captureStatus is null ? "" : $"?captureStatus={captureStatus}";
        using var response = await Http.PostAsync($"/sandbox/paypal/orders/{checkout.PayPalOrderId}/approve{query}", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadAsync<JsonElement>();
        return new Uri(body.GetProperty("returnUrl").GetString()!);
    }

    public async Task<OrderDto?> OrderAsync(CheckoutDto checkout)
    {
        using var response = await Http.GetAsync($"/api/orders/{checkout.OrderNumber}?token={Uri.EscapeDataString(checkout.Token)}");
        return response.StatusCode == HttpStatusCode.OK ? await response.ReadAsync<OrderDto>() : null;
    }

    public async Task<OrderDto?> WaitForStatusAsync(CheckoutDto checkout, string status, TimeSpan? timeout = null)
    {
        try
        {
            return await Eventually.GetAsync(() => OrderAsync(checkout), o => o?.Status == status, timeout, $"order {checkout.OrderNumber} to be {status}");
        }
        catch (Xunit.Sdk.XunitException e)
        {
            // Say what the background work was doing: the inbox rows and the service's warnings.
            await using var connection = await app.Db.OpenAsync(CancellationToken.None);
            var inbox = (await connection.QueryAsync<(string EventType, string Kind, DateTime? ProcessedAt, long Attempts, string? Outcome, string? LastError)>(
                "SELECT event_type, kind, processed_at, attempts, outcome, last_error FROM webhook_inbox"))
                .Select(r => $"{r.EventType} {r.Kind} processed={r.ProcessedAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "-"} attempts={r.Attempts} outcome={r.Outcome ?? "-"} error={r.LastError ?? "-"}");
            var warnings = app.Logs.Lines.Where(l => l.StartsWith("Warning", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal)).TakeLast(15);
            throw new Xunit.Sdk.XunitException($"{e.Message}\ninbox:\n{string.Join('\n', inbox)}\nwarnings:\n{string.Join('\n', warnings)}");
        }
    }

    public async Task<string[]> WaitForMailsAsync(string orderNumber, int count = 1)
    {
        var files = await Eventually.GetAsync(
            () => Task.FromResult(Directory.Exists(app.OutboxDirectory)
                ? Directory.GetFiles(app.OutboxDirectory, "*.eml").Where(f => f.Contains(orderNumber, StringComparison.Ordinal)).ToArray()
                : []),
            f => f.Length >= count, what: $"{count} e-mail(s) for {orderNumber}");
        return files;
    }

    public async Task<HttpResponseMessage> PostWebhookAsync(byte[] body, IReadOnlyDictionary<string, string> headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/paypal") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await Http.SendAsync(request);
    }

    // Signs exactly as PayPal does, with the sandbox's certificate and the configured webhook id.
    public Task<HttpResponseMessage> PostSignedWebhookAsync(JsonNode paypalEvent) => PostSignedWebhookAsync(Encoding.UTF8.GetBytes(paypalEvent.ToJsonString()));

    public Task<HttpResponseMessage> PostSignedWebhookAsync(byte[] body) => PostWebhookAsync(body, Sign(body));

    public IReadOnlyDictionary<string, string> Sign(byte[] body) =>
        app.Service<PayPalWebhookSigner>().Sign(body, app.Service<PayPalSettings>().WebhookId);

    // PayPal's REST API as the sandbox serves it, called with the sandbox's credentials: what PayPal
    // or the merchant does outside this service (a capture whose answer was lost, a refund made in
    // PayPal's dashboard, an order this service never created).
    public async Task<JsonElement> PayPalApiAsync(HttpMethod method, string path, object? body = null, string? requestId = null)
    {
        var settings = app.Service<PayPalSettings>();
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, "/sandbox/paypal/v1/oauth2/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        tokenRequest.Headers.Authorization = new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.ClientId}:{settings.ClientSecret}")));
        using var tokenResponse = await Http.SendAsync(tokenRequest);
        var token = (await tokenResponse.ReadAsync<JsonElement>()).GetProperty("access_token").GetString();

        using var request = new HttpRequestMessage(method, "/sandbox/paypal" + path);
        request.Headers.Authorization = new("Bearer", token);
        request.Headers.Add("Prefer", "return=representation");
        if (requestId is not null)
        {
            request.Headers.Add("PayPal-Request-Id", requestId);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await Http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"PayPal {method} {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.ReadAsync<JsonElement>();
    }

    // Captures an approved order at PayPal as this service would (same PayPal-Request-Id), and
    // returns the capture id: for tests where the service must learn of it from a notification.
    public async Task<string> CaptureAtPayPalAsync(CheckoutDto checkout)
    {
        var order = await PayPalApiAsync(HttpMethod.Post, $"/v2/checkout/orders/{checkout.PayPalOrderId}/capture", new { }, $"capture-{checkout.PayPalOrderId}");
        return order.GetProperty("purchase_units")[0].GetProperty("payments").GetProperty("captures")[0].GetProperty("id").GetString()!;
    }

    // Paid at PayPal (approved and captured) while PayPal's notifications are dropped: the service
    // learns of it only from a notification the test sends itself. Returns the capture id.
    public async Task<string> PaidAtPayPalSilentlyAsync(CheckoutDto checkout)
    {
        await SetPayPalSandboxAsync(new { dropWebhooks = true });
        await ApproveAsync(checkout);
        var captureId = await CaptureAtPayPalAsync(checkout);
        await SetPayPalSandboxAsync(new { dropWebhooks = false });
        return captureId;
    }

    public async Task<string> CaptureIdAtPayPalAsync(CheckoutDto checkout) =>
        (await PayPalApiAsync(HttpMethod.Get, $"/v2/checkout/orders/{checkout.PayPalOrderId}"))
            .GetProperty("purchase_units")[0].GetProperty("payments").GetProperty("captures")[0].GetProperty("id").GetString()!;

    // A refund made at PayPal (the merchant's dashboard); PayPal then notifies the service.
    public async Task<string> RefundAtPayPalAsync(string captureId, string value, string currency = "USD")
    {
        var refund = await PayPalApiAsync(HttpMethod.Post, $"/v2/payments/captures/{captureId}/refund",
            new { amount = new { currency_code = currency, value } }, "refund-" + Guid.NewGuid().ToString("N"));
        return refund.GetProperty("id").GetString()!;
    }

    public async Task SetPayPalSandboxAsync(object knobs)
    {
        using var response = await Http.PostAsJsonAsync("/sandbox/paypal/_settings", knobs);
        Assert.True(response.IsSuccessStatusCode);
    }

    public async Task<long> CountAsync(string sql, object? args = null)
    {
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>(sql, args);
    }
}

// PayPal-shaped webhook events, signed by the tests with the sandbox's key: notifications that name
// real resources (PayPal's own deliveries were dropped) or resources PayPal never had (forgeries).
public static class PayPalEventsFactory
{
    public static JsonObject CaptureEvent(string eventType, string orderNumber, string payPalOrderId, string captureId, string value, string currency = "USD") => new()
    {
        ["id"] = "WH-" + Guid.NewGuid().ToString("N")[..17].ToUpperInvariant(),
        ["create_time"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
        ["resource_type"] = "capture",
        ["event_version"] = "1.0",
        ["resource_version"] = "2.0",
        ["event_type"] = eventType,
        ["summary"] = "Payment captured",
        ["resource"] = new JsonObject
        {
            ["id"] = captureId,
            ["status"] = eventType == "PAYMENT.CAPTURE.COMPLETED" ? "COMPLETED" : "PENDING",
            ["amount"] = new JsonObject { ["currency_code"] = currency, ["value"] = value },
            ["final_capture"] = true,
            ["custom_id"] = orderNumber,
            ["invoice_id"] = orderNumber,
            ["supplementary_data"] = new JsonObject { ["related_ids"] = new JsonObject { ["order_id"] = payPalOrderId } },
        },
    };

    public static JsonObject RefundEvent(string orderNumber, string captureId, string refundId, string value, string currency = "USD", string eventType = "PAYMENT.CAPTURE.REFUNDED") => new()
    {
        ["id"] = "WH-" + Guid.NewGuid().ToString("N")[..17].ToUpperInvariant(),
        ["create_time"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
        ["resource_type"] = "refund",
        ["event_version"] = "1.0",
        ["resource_version"] = "2.0",
        ["event_type"] = eventType,
        ["summary"] = "A payment was refunded",
        ["resource"] = new JsonObject
        {
            ["id"] = refundId,
            ["status"] = "COMPLETED",
            ["amount"] = new JsonObject { ["currency_code"] = currency, ["value"] = value },
            ["custom_id"] = orderNumber,
            ["invoice_id"] = orderNumber,
            ["links"] = new JsonArray(new JsonObject { ["rel"] = "up", ["method"] = "GET", ["href"] = $"https://api-m.sandbox.paypal.com/v2/payments/captures/{captureId}" }),
        },
    };
}
