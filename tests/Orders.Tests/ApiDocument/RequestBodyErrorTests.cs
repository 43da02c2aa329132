using System.Net;
using System.Text;
using System.Text.Json;
using Orders.Tests.Infrastructure;
using Orders.Tests.Operations;

namespace Orders.Tests.ApiDocument;

// A JSON body the framework cannot read is a 400 whose errors are keyed by what the caller sent:
// the field ("quantity"), or "$" for the body as a whole. Never the handler's parameter.
public sealed class RequestBodyErrorTests : ServiceTest
{
    private const string Valid = "\"sku\":\"PHOTOSHRINK-PRO\",\"email\":\"ada@example.com\",\"licenseeName\":\"Ada\",\"provider\":\"paypal\"";

    [Theory]
    [InlineData("\"2\"")]
    [InlineData("\"1.5\"")]
    [InlineData("1.5")]
    [InlineData("true")]
    [InlineData("{}")]
    public async Task AQuantityOfTheWrongTypeIsA400NamingQuantity(string quantity)
    {
        var errors = await BadBodyAsync("{" + Valid + ",\"quantity\":" + quantity + "}");

        var field = Assert.Single(errors.EnumerateObject());
        Assert.Equal("quantity", field.Name);
        Assert.Contains("whole number", field.Value[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await shop.CountAsync("SELECT COUNT(*) FROM orders"));
    }

    [Fact]
    public async Task AWrongTypedTextFieldIsNamedToo()
    {
        var errors = await BadBodyAsync("""{"sku":"PHOTOSHRINK-PRO","quantity":1,"email":["ada@example.com"],"licenseeName":"Ada","provider":"paypal"}""");

        Assert.Equal("email", Assert.Single(errors.EnumerateObject()).Name);
    }

    [Theory]
    [InlineData("{\"sku\":\"PHOTOSHRINK-PRO\",\"quantity\":")]
    [InlineData("{\"sku\":\"PHOTOSHRINK-PRO\"")]
    [InlineData("{\"sku\":'PHOTOSHRINK-PRO'}")]
    public async Task ATruncatedOrBrokenBodyIsA400ForTheWholeBody(string body)
    {
        var errors = await BadBodyAsync(body);

        var field = Assert.Single(errors.EnumerateObject());
        Assert.Equal("$", field.Name);
        Assert.Contains("not valid JSON", field.Value[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"an order\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("")]
    public async Task ABodyThatIsNotAnObjectIsA400ForTheWholeBody(string body)
    {
        var errors = await BadBodyAsync(body);

        Assert.Equal("$", Assert.Single(errors.EnumerateObject()).Name);
    }

    [Fact]
    public async Task KeyRecoveryNamesTheFieldTheSameWay()
    {
        var errors = await BadBodyAsync("""{"email":5}""", "/api/licenses/recover");

        var field = Assert.Single(errors.EnumerateObject());
        Assert.Equal("email", field.Name);
        Assert.Contains("a string", field.Value[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InProductionTooABadBodyIsA400NamingTheField()
    {
        // Development throws on a request the framework cannot bind anyway; Production must not answer an empty 400.
        await using var production = new OrdersApp(settings: ProductionSettingsTests.ProductionSettings()) { UseProductionEnvironment = true };
        using var http = production.Http();

        var errors = await BadBodyAsync("{" + Valid + ",\"quantity\":\"2\"}", http: http);

        Assert.Equal("quantity", Assert.Single(errors.EnumerateObject()).Name);
    }

    private async Task<JsonElement> BadBodyAsync(string body, string path = "/api/checkout", HttpClient? http = null)
    {
        using var response = await (http ?? shop.Http).PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("parameter", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("CheckoutRequest", text, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        return JsonDocument.Parse(text).RootElement.GetProperty("errors").Clone();
    }
}
