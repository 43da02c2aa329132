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
        using var request = new HttpRequestMessage(HttpMethod.Get, "/sandbox/paypal/v2/no/such/resource");
        request.Headers.Authorization = new("Bearer", await PayPalTokenAsync());
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

    // PayPal's create-order rules (PROVIDERS.md 1.3): schema violations are 400 INVALID_REQUEST, business rules
    // 422 UNPROCESSABLE_ENTITY, each naming the issue and the field's JSON pointer. {LONG} stands for 128 characters.
    [Theory]
    [InlineData("""{"amount":{"currency_code":"USD","value":"50.00","breakdown":{"item_total":{"currency_code":"USD","value":"40.00"},"shipping":{"currency_code":"USD","value":"5.00"},"discount":{"currency_code":"USD","value":"1.00"}}},"items":[{"name":"Licence","quantity":"1","unit_amount":{"currency_code":"USD","value":"40.00"}}]}""", 422, "AMOUNT_MISMATCH", "/amount/value")]
    [InlineData("""{"amount":{"currency_code":"USD","value":"30.00","breakdown":{"item_total":{"currency_code":"USD","value":"30.00"}}},"items":[{"name":"Licence","quantity":"2","unit_amount":{"currency_code":"USD","value":"20.00"}}]}""", 422, "ITEM_TOTAL_MISMATCH", "/amount/breakdown/item_total")]
    [InlineData("""{"amount":{"currency_code":"USD","value":"20.00","breakdown":{"item_total":{"currency_code":"USD","value":"20.00"}}},"items":[{"name":"Licence","quantity":"2","unit_amount":{"currency_code":"USD","value":"10.00"},"tax":{"currency_code":"USD","value":"1.00"}}]}""", 422, "TAX_TOTAL_REQUIRED", "/amount/breakdown/tax_total")]
    [InlineData("""{"amount":{"currency_code":"USD","value":"23.00","breakdown":{"item_total":{"currency_code":"USD","value":"20.00"},"tax_total":{"currency_code":"USD","value":"3.00"}}},"items":[{"name":"Licence","quantity":"2","unit_amount":{"currency_code":"USD","value":"10.00"},"tax":{"currency_code":"USD","value":"1.00"}}]}""", 422, "TAX_TOTAL_MISMATCH", "/amount/breakdown/tax_total")]
    [InlineData("""{"amount":{"currency_code":"USD","value":"10.00","breakdown":{"item_total":{"currency_code":"USD","value":"10.00"}}},"items":[{"name":"Licence","quantity":"1","unit_amount":{"currency_code":"USD","value":"10.00"},"tax":{"currency_code":"EUR","value":"0.00"}}]}""", 422, "MULTI_CURRENCY_ORDER", "/items/0/tax/currency_code")]
    [InlineData("""{"amount":{"currency_code":"USD","value":"10.00","breakdown":{"item_total":{"currency_code":"USD","value":"-1.00"}}},"items":[{"name":"Licence","quantity":"1","unit_amount":{"currency_code":"USD","value":"10.00"}}]}""", 422, "CANNOT_BE_NEGATIVE", "/amount/breakdown/item_total/value")]
    [InlineData("""{"amount":{"currency_code":"USD","value":"10.00"},"soft_descriptor":"ORDERS SANDBOX LICENCES"}""", 400, "INVALID_STRING_LENGTH", "/soft_descriptor")]
    [InlineData("""{"amount":{"currency_code":"USD","value":"10.00","breakdown":{"item_total":{"currency_code":"USD","value":"10.00"}}},"items":[{"name":"Licence","quantity":"1","sku":"{LONG}","unit_amount":{"currency_code":"USD","value":"10.00"}}]}""", 400, "INVALID_STRING_LENGTH", "/items/0/sku")]
    [InlineData("""{"amount":{"currency_code":"USD","value":"10.00","breakdown":{"item_total":{"currency_code":"USD","value":"10.00"}}},"items":[{"name":"Licence","quantity":"1","category":"SERVICES","unit_amount":{"currency_code":"USD","value":"10.00"}}]}""", 400, "INVALID_PARAMETER_VALUE", "/items/0/category")]
    public async Task APayPalPurchaseUnitThatBreaksPayPalsRulesIsRefusedInPayPalsErrorShape(string unit, int status, string issue, string field)
    {
        using var response = await CreatePayPalOrderAsync($$"""{"intent":"CAPTURE","purchase_units":[{{unit.Replace("{LONG}", new string('S', 128), StringComparison.Ordinal)}}]}""");

        await AssertPayPalIssueAsync(response, status, issue, "/purchase_units/@reference_id=='default'" + field);
    }

    [Theory]
    [InlineData("payment_source/paypal/experience_context", """{"locale":"english"}""", "INVALID_PARAMETER_SYNTAX", "locale")]
    [InlineData("payment_source/paypal/experience_context", """{"shipping_preference":"SHIP_ANYWHERE"}""", "INVALID_PARAMETER_VALUE", "shipping_preference")]
    [InlineData("payment_source/paypal/experience_context", """{"user_action":"BUY"}""", "INVALID_PARAMETER_VALUE", "user_action")]
    [InlineData("payment_source/paypal/experience_context", """{"landing_page":"BILLING"}""", "INVALID_PARAMETER_VALUE", "landing_page")]
    [InlineData("payment_source/paypal/experience_context", """{"payment_method_preference":"ANY"}""", "INVALID_PARAMETER_VALUE", "payment_method_preference")]
    [InlineData("application_context", """{"landing_page":"GUEST_CHECKOUT"}""", "INVALID_PARAMETER_VALUE", "landing_page")]
    [InlineData("application_context", """{"locale":"en_US"}""", "INVALID_PARAMETER_SYNTAX", "locale")]
    [InlineData("application_context", """{"shipping_preference":"NONE"}""", "INVALID_PARAMETER_VALUE", "shipping_preference")]
    public async Task APayPalExperienceSettingOutsidePayPalsValuesIsRefusedAsAnInvalidRequest(string contextPath, string context, string issue, string field)
    {
        var contextJson = contextPath == "application_context"
            ? $$$""" "application_context":{{{context}}} """
            : $$$""" "payment_source":{"paypal":{"experience_context":{{{context}}}}} """;
        using var response = await CreatePayPalOrderAsync(
            $$$"""{"intent":"CAPTURE",{{{contextJson}}},"purchase_units":[{"amount":{"currency_code":"USD","value":"10.00"}}]}""");

        await AssertPayPalIssueAsync(response, 400, issue, $"/{contextPath}/{field}");
    }

    [Fact]
    public async Task APayPalOrderWithAFullBreakdownTaxesAndEveryExperienceSettingIsCreated()
    {
        using var response = await CreatePayPalOrderAsync("""
            {"intent":"CAPTURE",
             "payment_source":{"paypal":{"experience_context":{"locale":"en-US","shipping_preference":"NO_SHIPPING","user_action":"PAY_NOW","landing_page":"GUEST_CHECKOUT","payment_method_preference":"IMMEDIATE_PAYMENT_REQUIRED","return_url":"https://shop.example/return","cancel_url":"https://shop.example/cancel"}}},
             "application_context":{"locale":"de-CH","landing_page":"BILLING"},
             "purchase_units":[{"soft_descriptor":"ORDERS SANDBOX LICENCE",
               "amount":{"currency_code":"USD","value":"25.00","breakdown":{
                 "item_total":{"currency_code":"USD","value":"20.00"},"tax_total":{"currency_code":"USD","value":"2.00"},
                 "shipping":{"currency_code":"USD","value":"3.00"},"handling":{"currency_code":"USD","value":"1.00"},
                 "insurance":{"currency_code":"USD","value":"0.50"},"shipping_discount":{"currency_code":"USD","value":"1.00"},
                 "discount":{"currency_code":"USD","value":"0.50"}}},
               "items":[{"name":"Licence","quantity":"2","sku":"LIC-1","category":"DIGITAL_GOODS",
                 "unit_amount":{"currency_code":"USD","value":"10.00"},"tax":{"currency_code":"USD","value":"1.00"}}]}]}
            """);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("PAYER_ACTION_REQUIRED", (await response.ReadAsync<JsonElement>()).GetProperty("status").GetString());
    }

    private async Task<string?> PayPalTokenAsync()
    {
        var settings = app.Service<Orders.Api.Payments.PayPal.PayPalSettings>();
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, "/sandbox/paypal/v1/oauth2/token")
        {
            Content = new FormUrlEncodedContent([new("grant_type", "client_credentials")]),
        };
        tokenRequest.Headers.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{settings.ClientId}:{settings.ClientSecret}")));
        using var tokenResponse = await shop.Http.SendAsync(tokenRequest);
        return (await tokenResponse.ReadAsync<JsonElement>()).GetProperty("access_token").GetString();
    }

    private async Task<HttpResponseMessage> CreatePayPalOrderAsync(string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/sandbox/paypal/v2/checkout/orders")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", await PayPalTokenAsync());
        return await shop.Http.SendAsync(request);
    }

    private static async Task AssertPayPalIssueAsync(HttpResponseMessage response, int status, string issue, string field)
    {
        var body = await response.ReadAsync<JsonElement>();
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(status == 400 ? "INVALID_REQUEST" : "UNPROCESSABLE_ENTITY", body.GetProperty("name").GetString());
        Assert.Contains(body.GetProperty("details").EnumerateArray(), d => d.GetProperty("issue").GetString() == issue && d.GetProperty("field").GetString() == field);
    }
}
