using System.Text.Json;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.ApiDocument;

// The document the service serves at /openapi/v1.json, as a generator or a linter reads it
// (tools/openapi/check lints it with Redocly and compiles a client from it in CI).
public sealed class OpenApiDocumentTests : ServiceTest
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    [Fact]
    public async Task EveryOperationHasASummaryADescriptionAndAUniqueOperationId()
    {
        var operations = await OperationsAsync();

        Assert.NotEmpty(operations);
        foreach (var (name, operation) in operations)
        {
            Assert.False(string.IsNullOrWhiteSpace(Text(operation, "summary")), $"{name} has no summary");
            Assert.False(string.IsNullOrWhiteSpace(Text(operation, "description")), $"{name} has no description");
            Assert.False(string.IsNullOrWhiteSpace(Text(operation, "operationId")), $"{name} has no operationId");
        }

        var ids = operations.Select(o => Text(o.Operation, "operationId")).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains("StartCheckout", ids);
        Assert.Contains("GetOrder", ids);
    }

    [Fact]
    public async Task CheckoutDocumentsEveryAnswerItCanGiveWithItsProblemType()
    {
        var document = await DocumentAsync();
        var responses = Operation(document, "/api/checkout", "post").GetProperty("responses");

        Assert.Equal(["201", "400", "413", "415", "422", "429", "502", "503"], Statuses(responses));
        Assert.Equal("#/components/schemas/CheckoutResponse", SchemaRef(responses, "201", "application/json"));
        Assert.Equal("#/components/schemas/HttpValidationProblemDetails", SchemaRef(responses, "400", "application/problem+json"));
        foreach (var status in new[] { "413", "415", "422", "429", "502", "503" })
        {
            Assert.Equal("#/components/schemas/ProblemDetails", SchemaRef(responses, status, "application/problem+json"));
        }
    }

    [Fact]
    public async Task TheOrderStatusAndTheRefundDocumentTheirConflictsAndAbsences()
    {
        var document = await DocumentAsync();

        Assert.Equal(["200", "404", "503"], Statuses(Operation(document, "/api/orders/{orderNumber}", "get").GetProperty("responses")));
        var refund = Statuses(Operation(document, "/api/support/orders/{orderNumber}/refund", "post").GetProperty("responses"));
        Assert.Equal(["200", "400", "401", "403", "404", "409", "413", "415", "502", "503"], refund);
        Assert.Contains("429", Statuses(Operation(document, "/api/licenses/recover", "post").GetProperty("responses")));
    }

    [Fact]
    public async Task StaffOperationsNeedTheConsoleSessionCookieAndPublicOnesNothing()
    {
        var document = await DocumentAsync();
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("supportSession");
        Assert.Equal("apiKey", Text(scheme, "type"));
        Assert.Equal("cookie", Text(scheme, "in"));
        Assert.Equal("orders_support", Text(scheme, "name")); // Development's cookie; __Host-orders_support elsewhere

        var operations = await OperationsAsync(document);
        foreach (var (name, operation) in operations)
        {
            var requirements = operation.GetProperty("security").EnumerateArray().ToList();
            var requirement = Assert.Single(requirements);
            if (name.Contains(" /api/support/", StringComparison.Ordinal))
            {
                Assert.True(requirement.TryGetProperty("supportSession", out _), $"{name} does not require the staff session");
                Assert.Contains("401", Statuses(operation.GetProperty("responses")));
                Assert.Contains("403", Statuses(operation.GetProperty("responses")));
            }
            else
            {
                Assert.False(requirement.EnumerateObject().Any(), $"{name} should need no authentication");
            }
        }
    }

    [Fact]
    public async Task TheCheckoutRequestIsDescribedAsCheckoutValidatesIt()
    {
        var document = await DocumentAsync();
        var request = document.GetProperty("components").GetProperty("schemas").GetProperty("CheckoutRequest");
        var properties = request.GetProperty("properties");

        var quantity = properties.GetProperty("quantity");
        Assert.Equal(JsonValueKind.String, quantity.GetProperty("type").ValueKind);
        Assert.Equal("integer", Text(quantity, "type"));
        Assert.Equal(1, quantity.GetProperty("minimum").GetInt32());
        Assert.Equal(100, quantity.GetProperty("maximum").GetInt32());
        Assert.False(quantity.TryGetProperty("pattern", out _));

        var provider = properties.GetProperty("provider");
        Assert.Equal("string", Text(provider, "type"));
        Assert.Equal(["avangate", "paypal", "stripe"], provider.GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).ToArray());

        Assert.Equal(254, properties.GetProperty("email").GetProperty("maxLength").GetInt32());
        Assert.Equal("email", Text(properties.GetProperty("email"), "format"));
        Assert.Equal(1, properties.GetProperty("licenseeName").GetProperty("minLength").GetInt32());
        Assert.Equal(100, properties.GetProperty("licenseeName").GetProperty("maxLength").GetInt32());
        Assert.Matches(Text(properties.GetProperty("sku"), "pattern"), "PHOTOSHRINK-PRO");
        Assert.Equal(["email", "licenseeName", "provider", "quantity", "sku"],
            request.GetProperty("required").EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal).ToArray());
    }

    [Theory]
    [InlineData("KeyRecoveryRequest", "email", 1, 254)]
    [InlineData("ChangeEmailBody", "email", 1, 254)]
    [InlineData("CorrectLicenseeBody", "licenseeName", 1, 100)]
    [InlineData("NoteBody", "text", 1, 2000)]
    [InlineData("RevokeBody", "reason", 3, 200)]
    [InlineData("EraseBody", "email", 1, 254)]
    [InlineData("NoticeDraft", "subject", 1, 200)]
    public async Task OtherRequestBodiesCarryTheLengthsTheirValidationChecks(string schema, string field, int minLength, int maxLength)
    {
        var document = await DocumentAsync();
        var property = document.GetProperty("components").GetProperty("schemas").GetProperty(schema).GetProperty("properties").GetProperty(field);

        Assert.Equal(minLength, property.GetProperty("minLength").GetInt32());
        Assert.Equal(maxLength, property.GetProperty("maxLength").GetInt32());
    }

    [Fact]
    public async Task NumbersAreDescribedAsNumbersNotAsStrings()
    {
        var schemas = (await DocumentAsync()).GetProperty("components").GetProperty("schemas");
        var stringly = new List<string>();
        foreach (var schema in schemas.EnumerateObject())
        {
            if (!schema.Value.TryGetProperty("properties", out var properties))
            {
                continue;
            }

            foreach (var property in properties.EnumerateObject())
            {
                if (property.Value.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.Array
                    && type.EnumerateArray().Any(t => t.GetString() is "integer" or "number") && type.EnumerateArray().Any(t => t.GetString() == "string"))
                {
                    stringly.Add($"{schema.Name}.{property.Name}");
                }
            }
        }

        Assert.Empty(stringly);
        Assert.Equal("integer", Text(schemas.GetProperty("OrderView").GetProperty("properties").GetProperty("quantity"), "type"));
    }

    [Fact]
    public async Task TheServerAddressAndTheTagsAreReadyForALinter()
    {
        var document = await DocumentAsync();

        Assert.All(document.GetProperty("servers").EnumerateArray(), server => Assert.False(Text(server, "url").EndsWith('/'), Text(server, "url")));
        Assert.All(document.GetProperty("tags").EnumerateArray(), tag => Assert.False(string.IsNullOrWhiteSpace(Text(tag, "description")), Text(tag, "name")));
        Assert.False(string.IsNullOrWhiteSpace(Text(document.GetProperty("info"), "description")));
    }

    private async Task<JsonElement> DocumentAsync()
    {
        using var response = await shop.Http.GetAsync("/openapi/v1.json");
        response.EnsureSuccessStatusCode();
        return await response.ReadAsync<JsonElement>();
    }

    private async Task<List<(string Name, JsonElement Operation)>> OperationsAsync(JsonElement? document = null)
    {
        var paths = (document ?? await DocumentAsync()).GetProperty("paths");
        return [.. paths.EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Where(method => Methods.Contains(method.Name))
            .Select(method => ($"{method.Name.ToUpperInvariant()} {path.Name}", method.Value)))];
    }

    private static JsonElement Operation(JsonElement document, string path, string method) =>
        document.GetProperty("paths").GetProperty(path).GetProperty(method);

    private static string[] Statuses(JsonElement responses) =>
        [.. responses.EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal)];

    private static string? SchemaRef(JsonElement responses, string status, string mediaType) =>
        responses.GetProperty(status).GetProperty("content").GetProperty(mediaType).GetProperty("schema").GetProperty("$ref").GetString();

    private static string Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}
