using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Orders.CrashHarness;

internal sealed record PayPalOrderState(string Id, bool Found, string Status, IReadOnlyList<string> CaptureStatuses)
{
    // What "PayPal considers paid" means here: the order is captured and the money is in.
    public bool Paid => Status == "COMPLETED" && CaptureStatuses.Count > 0 && CaptureStatuses.All(s => s == "COMPLETED");
}

internal sealed record WebhookStats(int Events, int Deliveries, int Retried, int Attempts, int GaveUp, int StillTrying);

// The harness's view of the PayPal sandbox: PayPal's own REST API (OAuth2 client credentials, then
// GET /v2/checkout/orders/{id}) for the truth about money, and the sandbox's scripted controls for
// what a buyer does.
internal sealed class PayPalSandbox(HttpClient http, Uri apiBase, string clientId, string clientSecret)
{
    private string? accessToken;

    public Uri ApiBase => apiBase;

    public async Task<PayPalOrderState> GetOrderAsync(string orderId, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(apiBase, $"v2/checkout/orders/{Uri.EscapeDataString(orderId)}"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(ct));
            using var response = await http.SendAsync(request, ct);
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 1)
            {
                accessToken = null;
                continue;
            }

            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return new PayPalOrderState(orderId, Found: false, "NOT_FOUND", []);
            }

            response.EnsureSuccessStatusCode();
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
            var root = body.RootElement;
            List<string> captures = [];
            if (root.TryGetProperty("purchase_units", out var units))
            {
                foreach (var unit in units.EnumerateArray())
                {
                    if (unit.TryGetProperty("payments", out var payments) && payments.TryGetProperty("captures", out var list))
                    {
                        captures.AddRange(list.EnumerateArray().Select(c => c.GetProperty("status").GetString() ?? ""));
                    }
                }
            }

            return new PayPalOrderState(orderId, Found: true, root.GetProperty("status").GetString() ?? "", captures);
        }
    }

    // The buyer clicks Pay: the order is approved and PayPal sends CHECKOUT.ORDER.APPROVED.
    // Returns the URL PayPal sends the buyer back to.
    public async Task<Uri> ApproveAsync(string orderId, CancellationToken ct)
    {
        using var response = await http.PostAsync(new Uri(apiBase, $"orders/{Uri.EscapeDataString(orderId)}/approve"), null, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HarnessException($"The sandbox refused to approve PayPal order {orderId}: {(int)response.StatusCode} {text}");
        }

        using var body = JsonDocument.Parse(text);
        return new Uri(body.RootElement.GetProperty("returnUrl").GetString()
            ?? throw new HarnessException($"The sandbox gave no return URL for PayPal order {orderId}."));
    }

    public async Task<WebhookStats> WebhookStatsAsync(CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri(apiBase, "_webhooks"), ct);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        int deliveries = 0, retried = 0, attempts = 0, gaveUp = 0, stillTrying = 0;
        HashSet<string> events = new(StringComparer.Ordinal);
        foreach (var delivery in body.RootElement.EnumerateArray())
        {
            deliveries++;
            events.Add(delivery.GetProperty("eventId").GetString() ?? "");
            var tries = delivery.GetProperty("attempts").GetInt32();
            attempts += tries;
            retried += tries > 1 ? 1 : 0;
            switch (delivery.GetProperty("state").GetString())
            {
                case "failed":
                    gaveUp++;
                    break;
                case "queued" or "sending" or "retry-scheduled":
                    stillTrying++;
                    break;
            }
        }

        return new WebhookStats(events.Count, deliveries, retried, attempts, gaveUp, stillTrying);
    }

    private async Task<string> TokenAsync(CancellationToken ct)
    {
        if (accessToken is { } token)
        {
            return token;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(apiBase, "v1/oauth2/token"))
        {
            Content = new FormUrlEncodedContent([new KeyValuePair<string, string>("grant_type", "client_credentials")]),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{clientId}:{clientSecret}")));
        using var response = await http.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return accessToken = body.RootElement.GetProperty("access_token").GetString()
            ?? throw new HarnessException("The sandbox issued no access token.");
    }
}

public sealed class HarnessException(string message) : Exception(message);
