using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;

namespace Orders.Api.Payments.PayPal;

// PayPal's Orders v2 REST API over a typed HttpClient (the old Checkout SDK is deprecated).
// Every mutating call carries a PayPal-Request-Id, so the resilience handler's retries and our
// own re-runs of a job are safe: PayPal answers a repeat with the first result.
internal sealed partial class PayPalClient(HttpClient http, PayPalSettings settings, PayPalAccessTokens tokens, ILogger<PayPalClient> logger)
{
    public Task<PayPalOrder> CreateOrderAsync(CreateOrderBody body, string requestId, CancellationToken ct) =>
        SendAsync<PayPalOrder>(HttpMethod.Post, "v2/checkout/orders", body, requestId, ct);

    public Task<PayPalOrder> GetOrderAsync(string orderId, CancellationToken ct) =>
        SendAsync<PayPalOrder>(HttpMethod.Get, $"v2/checkout/orders/{Uri.EscapeDataString(orderId)}", null, null, ct);

    public Task<PayPalCapture> GetCaptureAsync(string captureId, CancellationToken ct) =>
        SendAsync<PayPalCapture>(HttpMethod.Get, $"v2/payments/captures/{Uri.EscapeDataString(captureId)}", null, null, ct);

    public Task<PayPalRefund> GetRefundAsync(string refundId, CancellationToken ct) =>
        SendAsync<PayPalRefund>(HttpMethod.Get, $"v2/payments/refunds/{Uri.EscapeDataString(refundId)}", null, null, ct);

    public Task<PayPalRefund> RefundCaptureAsync(string captureId, RefundBody body, string requestId, CancellationToken ct) =>
        SendAsync<PayPalRefund>(HttpMethod.Post, $"v2/payments/captures/{Uri.EscapeDataString(captureId)}/refund", body, requestId, ct);

    // Capture is idempotent per PayPal order: the same request id replays the first result, and
    // ORDER_ALREADY_CAPTURED means someone else (the webhook job or the customer's return) got there
    // first, so the order as PayPal now has it is the answer.
    public async Task<PayPalOrder> CaptureOrderAsync(string orderId, CancellationToken ct)
    {
        try
        {
            return await SendAsync<PayPalOrder>(HttpMethod.Post, $"v2/checkout/orders/{Uri.EscapeDataString(orderId)}/capture", new { }, $"capture-{orderId}", ct);
        }
        catch (PayPalApiException e) when (e.HasIssue("ORDER_ALREADY_CAPTURED"))
        {
            LogAlreadyCaptured(logger, orderId);
            return await GetOrderAsync(orderId, ct);
        }
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, string? requestId, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(settings.BaseUri, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await tokens.GetAsync(http, ct));
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            if (requestId is not null)
            {
                request.Headers.Add("PayPal-Request-Id", requestId);
            }

            if (body is not null)
            {
                request.Headers.Add("Prefer", "return=representation");
                request.Content = JsonContent.Create(body, body.GetType(), options: PayPalJson.Options);
            }

            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 1)
            {
                // The token expired early or was revoked: fetch a new one once.
                tokens.Invalidate();
                continue;
            }

            if (!response.IsSuccessStatusCode)
            {
                var error = await ReadErrorAsync(response, ct);
                LogApiError(logger, method.Method, path, (int)response.StatusCode, error?.Name, error?.DebugId);
                throw new PayPalApiException(response.StatusCode, error);
            }

            return await response.Content.ReadFromJsonAsync<T>(PayPalJson.Options, ct)
                ?? throw new PayPalApiException(response.StatusCode, null);
        }
    }

    private static async Task<PayPalError?> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<PayPalError>(PayPalJson.Options, ct);
        }
        catch (System.Text.Json.JsonException)
        {
            return null; // not PayPal's error shape (a proxy's HTML page, say): the status code says enough
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "PayPal {Method} {Path} answered {StatusCode} {ErrorName} (debug id {DebugId})")]
    private static partial void LogApiError(ILogger logger, string method, string path, int statusCode, string? errorName, string? debugId);

    [LoggerMessage(Level = LogLevel.Information, Message = "PayPal order {PayPalOrderId} was already captured; reading it")]
    private static partial void LogAlreadyCaptured(ILogger logger, string payPalOrderId);
}

internal sealed class PayPalApiException(HttpStatusCode statusCode, PayPalError? error)
    : Exception($"PayPal answered {(int)statusCode} {error?.Name} {string.Join(",", error?.Details?.Select(d => d.Issue) ?? [])}".TrimEnd())
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    public PayPalError? Error { get; } = error;

    public bool HasIssue(string issue) => Error?.Details?.Any(d => d.Issue == issue) == true;
}

// One OAuth2 client-credentials token for the whole process, reused until shortly before it expires.
internal sealed class PayPalAccessTokens(PayPalSettings settings, TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private string? token;
    private DateTimeOffset expiresAt;

    public async Task<string> GetAsync(HttpClient http, CancellationToken ct)
    {
        if (token is { } current && time.GetUtcNow() < expiresAt)
        {
            return current;
        }

        await gate.WaitAsync(ct);
        try
        {
            if (token is { } fresh && time.GetUtcNow() < expiresAt)
            {
                return fresh;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(settings.BaseUri, "v1/oauth2/token"));
            var basic = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.ClientId}:{settings.ClientSecret}"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
            request.Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]);
            using var response = await http.SendAsync(request, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new PayPalApiException(response.StatusCode, new PayPalError("AUTHENTICATION_FAILURE", "Could not get an access token; check PayPal:ClientId and PayPal:ClientSecret.", null, null));
            }

            var body = await response.Content.ReadFromJsonAsync<PayPalTokenResponse>(PayPalJson.Options, ct)
                ?? throw new PayPalApiException(response.StatusCode, null);
            token = body.AccessToken;
            // Renew a minute early so a token never expires in flight.
            expiresAt = time.GetUtcNow().AddSeconds(Math.Max(0, body.ExpiresIn - 60));
            return token;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Invalidate() => token = null;

    public void Dispose() => gate.Dispose();
}
