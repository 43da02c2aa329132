using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Checkout;

public sealed class CheckoutTests : ServiceTest
{
    [Fact]
    public async Task ProductsComeFromTheCatalog()
    {
        var products = await shop.Http.GetFromJsonAsync<JsonElement[]>("/api/products");
        Assert.NotNull(products);
        Assert.True(products.Length >= 2);
        var pro = products.Single(p => p.GetProperty("sku").GetString() == "PHOTOSHRINK-PRO");
        Assert.Equal(4900, pro.GetProperty("priceMinor").GetInt64());
        Assert.Equal("USD", pro.GetProperty("currency").GetString());
        Assert.False(string.IsNullOrEmpty(pro.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task CheckoutAnswers201WithLocationAndTheStatusUrl()
    {
        using var response = await shop.PostCheckoutAsync(new { sku = "PHOTOSHRINK-STD", quantity = 2, email = "bo@example.org", licenseeName = "Bo", provider = "paypal" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.ReadAsync<CheckoutDto>();
        Assert.Equal(body.StatusUrl, response.Headers.Location!.OriginalString);
        Assert.Equal("pending", body.Status);
        Assert.Matches("^ORD-[0-9A-Z]{12}$", body.OrderNumber);
        var order = await shop.OrderAsync(body);
        Assert.Equal(3800, order!.TotalMinor);
    }

    [Fact]
    public async Task InvalidCheckoutNamesEveryBadField()
    {
        using var response = await shop.PostCheckoutAsync(new { sku = "NOPE", quantity = 0, email = "not-an-address", licenseeName = "", provider = "bitcoin" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.ReadAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "sku", "quantity", "email", "licenseeName", "provider" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}");
        }

        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    [Fact]
    public async Task MalformedJsonAndWrongContentTypeGetProblemDetails()
    {
        using var broken = await shop.Http.PostAsync("/api/checkout", new StringContent("{\"sku\": ", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Equal("application/problem+json", broken.Content.Headers.ContentType?.MediaType);

        using var text = await shop.Http.PostAsync("/api/checkout", new StringContent("sku=X", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    [Fact]
    public async Task CardNumberInLicenseeNameIsRefused()
    {
        using var response = await shop.PostCheckoutAsync(new { sku = "PHOTOSHRINK-PRO", quantity = 1, email = "ada@example.com", licenseeName = "4111 1111 1111 1111", provider = "paypal" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("licenseeName", out _));
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    [Fact]
    public async Task SameIdempotencyKeyAndBodyReturnsTheSameOrder()
    {
        var body = new { sku = "PHOTOSHRINK-PRO", quantity = 1, email = "ada@example.com", licenseeName = "Ada", provider = "paypal" };
        var responses = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => shop.PostCheckoutAsync(body, "key-123")));
        var orders = await Task.WhenAll(responses.Select(r => r.ReadAsync<CheckoutDto>()));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Single(orders.Select(o => o.OrderNumber).Distinct());
        Assert.Single(orders.Select(o => o.StatusUrl).Distinct());
        Assert.Single(orders.Select(o => o.RedirectUrl).Distinct());
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM orders"));

        using var later = await shop.PostCheckoutAsync(body, "key-123");
        Assert.Equal(orders[0].OrderNumber, (await later.ReadAsync<CheckoutDto>()).OrderNumber);
        Assert.Equal("true", later.Headers.GetValues("Idempotent-Replayed").Single());
    }

    [Fact]
    public async Task SameIdempotencyKeyWithAnotherBodyIsRefused()
    {
        (await shop.PostCheckoutAsync(new { sku = "PHOTOSHRINK-PRO", quantity = 1, email = "ada@example.com", licenseeName = "Ada", provider = "paypal" }, "key-9")).Dispose();
        using var other = await shop.PostCheckoutAsync(new { sku = "PHOTOSHRINK-PRO", quantity = 2, email = "ada@example.com", licenseeName = "Ada", provider = "paypal" }, "key-9");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
        Assert.Equal(1, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    [Fact]
    public async Task FailingProviderAnswers5xxAndLeavesNoOrder()
    {
        using (var settings = await shop.Http.PostAsJsonAsync("/sandbox/paypal/_settings", new { failApiCalls = true }))
        {
            Assert.True(settings.IsSuccessStatusCode);
        }

        using var response = await shop.PostCheckoutAsync(new { sku = "PHOTOSHRINK-PRO", quantity = 1, email = "ada@example.com", licenseeName = "Ada", provider = "paypal" });
        Assert.True(response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable, response.StatusCode.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    [Fact]
    public async Task UnknownOrderAndWrongTokenLookTheSame()
    {
        var checkout = await shop.CheckoutAsync();
        using var wrongToken = await shop.Http.GetAsync($"/api/orders/{checkout.OrderNumber}?token=nope");
        using var noToken = await shop.Http.GetAsync($"/api/orders/{checkout.OrderNumber}");
        using var unknown = await shop.Http.GetAsync($"/api/orders/ORD-000000000000?token={checkout.Token}");
        Assert.Equal(HttpStatusCode.NotFound, wrongToken.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var a = await wrongToken.ReadAsync<System.Text.Json.JsonElement>();
        var b = await unknown.ReadAsync<System.Text.Json.JsonElement>();
        Assert.Equal(a.GetProperty("title").GetString(), b.GetProperty("title").GetString());
        Assert.Equal(a.GetProperty("detail").GetString(), b.GetProperty("detail").GetString());
    }
}
