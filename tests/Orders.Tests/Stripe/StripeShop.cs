using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orders.Api.Payments.Stripe;
using Orders.Sandbox;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Stripe;

// What a customer, Stripe's dashboard and Stripe's webhooks do, over HTTP against the service and
// its in-process Stripe sandbox.
public sealed class StripeShop(OrdersApp app, Shop shop)
{
    public const string SandboxSecretKey = "sk_test_orders_sandbox";
    public const string SandboxWebhookSecret = "whsec_orders_sandbox";

    public async Task<CheckoutDto> CheckoutAsync(string sku = "PHOTOSHRINK-PRO", int quantity = 1, string email = "ada@example.com", string licenseeName = "Ada Lovelace")
    {
        using var response = await shop.PostCheckoutAsync(new { sku, quantity, email, licenseeName, provider = "stripe" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var checkout = await response.ReadAsync<CheckoutDto>();
        Assert.Contains("/sandbox/stripe/c/pay/cs_test_", checkout.RedirectUrl, StringComparison.Ordinal);
        return checkout;
    }

    public static string SessionId(CheckoutDto checkout) => new Uri(checkout.RedirectUrl).Segments[^1];

    // What Pay on the hosted page does, without a browser.
    public async Task<JsonElement> PayAsync(CheckoutDto checkout, bool delayed = false)
    {
        using var response = await shop.Http.PostAsync($"/sandbox/stripe/sessions/{SessionId(checkout)}/pay{(delayed ? "?delayed=true" : "")}", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync<JsonElement>();
    }

    public Task<HttpResponseMessage> ControlAsync(CheckoutDto checkout, string action) =>
        shop.Http.PostAsync($"/sandbox/stripe/sessions/{SessionId(checkout)}/{action}", null);

    public async Task<JsonElement[]> DeliveriesAsync(string? eventType = null) =>
        (await shop.Http.GetFromJsonAsync<JsonElement[]>("/sandbox/stripe/_webhooks" + (eventType is null ? "" : $"?eventType={eventType}")))!;

    public async Task<int> DeliveredAsync(string eventType) =>
        (await DeliveriesAsync(eventType)).Count(d => d.GetProperty("delivered").GetBoolean());

    public async Task SettingsAsync(object knobs)
    {
        using var response = await shop.Http.PostAsJsonAsync("/sandbox/stripe/_settings", knobs);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public async Task<HttpResponseMessage> PostWebhookAsync(byte[] body, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json") { CharSet = "utf-8" };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation(StripeWebhookSigner.HeaderName, signature);
        }

        return await shop.Http.SendAsync(request);
    }

    // Signed now (by the service's clock) with the sandbox's webhook secret, exactly as Stripe signs.
    public Task<HttpResponseMessage> PostSignedWebhookAsync(JsonNode stripeEvent) => PostSignedWebhookAsync(Bytes(stripeEvent));

    public Task<HttpResponseMessage> PostSignedWebhookAsync(byte[] body) =>
        PostWebhookAsync(body, StripeWebhookSigner.Header(body, Now, SandboxWebhookSecret));

    public long Now => app.Clock.GetUtcNow().ToUnixTimeSeconds();

    public string Secret => app.Service<StripeSettings>().WebhookSecret;

    public static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());

    public async Task<string> PaymentIntentAsync(CheckoutDto checkout)
    {
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        return await Dapper.SqlMapper.ExecuteScalarAsync<string>(connection,
            "SELECT provider_transaction_ref FROM orders WHERE order_number = @n", new { n = checkout.OrderNumber }) ?? throw new InvalidOperationException("not paid");
    }

    public async Task<string[]> OutcomesAsync(CheckoutDto checkout)
    {
        await using var connection = await app.Db.OpenAsync(CancellationToken.None);
        return [.. await Dapper.SqlMapper.QueryAsync<string>(connection,
            "SELECT i.event_type || ' ' || i.kind || ': ' || COALESCE(i.outcome, '-') FROM webhook_inbox i JOIN orders o ON o.id = i.order_id WHERE o.order_number = @n ORDER BY i.id",
            new { n = checkout.OrderNumber })];
    }
}

// Stripe events for scenarios the sandbox would not produce on its own, shaped as Stripe renders them.
public static class StripeEventsFactory
{
    public static JsonObject Event(string type, JsonObject dataObject, string? apiVersion = null, string? id = null) => new()
    {
        ["id"] = id ?? "evt_" + Guid.NewGuid().ToString("N")[..24],
        ["object"] = "event",
        ["api_version"] = apiVersion ?? global::Stripe.StripeConfiguration.ApiVersion,
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["data"] = new JsonObject { ["object"] = dataObject },
        ["livemode"] = false,
        ["pending_webhooks"] = 1,
        ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
        ["type"] = type,
    };

    public static JsonObject Session(string sessionId, string orderNumber, long amountTotal, string currency = "usd", string paymentStatus = "paid",
        string status = "complete", string? paymentIntent = "pi_test_0000000000000001", string sku = "PHOTOSHRINK-PRO") => new()
    {
        ["id"] = sessionId,
        ["object"] = "checkout.session",
        ["amount_subtotal"] = amountTotal,
        ["amount_total"] = amountTotal,
        ["client_reference_id"] = orderNumber,
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["currency"] = currency,
        ["customer_details"] = new JsonObject { ["email"] = "ada@example.com", ["name"] = "Ada Lovelace" },
        ["expires_at"] = DateTimeOffset.UtcNow.AddHours(2).ToUnixTimeSeconds(),
        ["livemode"] = false,
        ["metadata"] = new JsonObject { ["order_number"] = orderNumber, ["sku"] = sku },
        ["mode"] = "payment",
        ["payment_intent"] = paymentIntent,
        ["payment_status"] = paymentStatus,
        ["status"] = status,
    };

    public static JsonObject Dispute(string paymentIntent, long amount, string status, string currency = "usd") => new()
    {
        ["id"] = "dp_" + Guid.NewGuid().ToString("N")[..24],
        ["object"] = "dispute",
        ["amount"] = amount,
        ["charge"] = "ch_test_0000000000000001",
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["currency"] = currency,
        ["livemode"] = false,
        ["metadata"] = new JsonObject(),
        ["payment_intent"] = paymentIntent,
        ["reason"] = "fraudulent",
        ["status"] = status,
    };
}
