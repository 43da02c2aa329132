using System.Net;
using System.Text.Json;
using Orders.Tests.Infrastructure;
using Orders.Tests.Stripe;

namespace Orders.Tests.Sandbox;

// The sandbox answers as the providers do where their clients look: unknown paths in the provider's
// own error shape (the reseller's: its problem details with an errorCode), and a repeated PayPal
// create with the order's latest state.
public sealed class SandboxWireTests : ServiceTest
{
    [Fact]
    public async Task AnUnknownStripePathAnswers404InStripesErrorShape()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/sandbox/stripe/v1/no_such_resource/xyz");
        request.Headers.Authorization = new("Bearer", StripeShop.SandboxSecretKey);
        using var response = await shop.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var error = (await response.ReadAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal("Unrecognized request URL (GET: /v1/no_such_resource/xyz).", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task AnUnknownPayPalPathAnswers404InPayPalsErrorShape()
    {
        var settings = app.Service<Orders.Api.Payments.PayPal.PayPalSettings>();
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, "/sandbox/paypal/v1/oauth2/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        tokenRequest.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{settings.ClientId}:{settings.ClientSecret}")));
        using var tokenResponse = await shop.Http.SendAsync(tokenRequest);
        var token = (await tokenResponse.ReadAsync<JsonElement>()).GetProperty("access_token").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/sandbox/paypal/v2/no/such/resource");
        request.Headers.Authorization = new("Bearer", token);
        using var response = await shop.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.ReadAsync<JsonElement>();
        Assert.Equal("RESOURCE_NOT_FOUND", body.GetProperty("name").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("debug_id").GetString()));
    }

    [Fact]
    public async Task AnUnknownResellerPathAnswers404InTheResellersProblemShape()
    {
        using var response = await shop.Http.GetAsync("/sandbox/avangate/orders/123/no-such-action");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.ReadAsync<JsonElement>();
        Assert.Equal(404, body.GetProperty("status").GetInt32());
        Assert.Equal("NOT_FOUND", body.GetProperty("errorCode").GetString());
    }

    [Fact]
    public async Task ARepeatedPayPalCreateWithTheSameRequestIdAnswersWithTheOrdersLatestState()
    {
        var body = new
        {
            intent = "CAPTURE",
            purchase_units = new[] { new { custom_id = "ORD-REPEATEDCREATE", amount = new { currency_code = "USD", value = "49.00" } } },
        };
        var created = await shop.PayPalApiAsync(HttpMethod.Post, "/v2/checkout/orders", body, "create-repeated-1");
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal("CREATED", created.GetProperty("status").GetString());
        (await shop.Http.PostAsync($"/sandbox/paypal/orders/{id}/approve", null)).Dispose();

        var repeated = await shop.PayPalApiAsync(HttpMethod.Post, "/v2/checkout/orders", body, "create-repeated-1");

        Assert.Equal(id, repeated.GetProperty("id").GetString());
        Assert.Equal("APPROVED", repeated.GetProperty("status").GetString());
    }
}
