using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Orders.Api.Hosting;
using Orders.Api.Payments;

namespace Orders.Api.Checkout;

// The checkout request in the OpenAPI document as CheckoutValidation takes it: types without null
// (a missing or null field is a 400 naming it), the quantity's range, the lengths, the sku's form and
// the payment providers this instance has configured.
internal static class CheckoutRequestSchema
{
    public static IServiceCollection AddCheckoutRequestSchema(this IServiceCollection services) =>
        services.ConfigureApiDescription(options => options.AddSchemaTransformer(DescribeAsync));

    private static Task DescribeAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonTypeInfo.Type != typeof(CheckoutRequest) || context.JsonPropertyInfo is not null || schema.Properties is not { } properties)
        {
            return Task.CompletedTask;
        }

        using var scope = context.ApplicationServices.CreateScope();
        var providers = scope.ServiceProvider.GetRequiredService<PaymentProviders>().Names;
        Describe(properties, "sku", JsonSchemaType.String, "A product's sku as GET /api/products lists it (case does not matter).", s =>
        {
            s.Pattern = CheckoutValidation.SkuPattern;
            s.MaxLength = CheckoutValidation.MaxSkuLength;
        });
        Describe(properties, "quantity", JsonSchemaType.Integer, "How many seats the license is for: a JSON number, not a string.", s =>
        {
            s.Format = "int32";
            s.Minimum = "1";
            s.Maximum = CheckoutValidation.MaxQuantity.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        Describe(properties, "email", JsonSchemaType.String, "Where the license is e-mailed; one plain address, no display name.", s =>
        {
            s.Format = "email";
            s.MaxLength = CheckoutValidation.MaxEmailLength;
        });
        Describe(properties, "licenseeName", JsonSchemaType.String,
            "The name printed in the license: no control or text-direction characters, no card-like numbers (surrounding spaces are trimmed).", s =>
            {
                s.MinLength = 1;
                s.MaxLength = CheckoutValidation.MaxLicenseeNameLength;
            });
        Describe(properties, "provider", JsonSchemaType.String, "The payment provider the buyer pays with (case does not matter).", s =>
            s.Enum = [.. providers.Order(StringComparer.Ordinal).Select(name => (JsonNode)JsonValue.Create(name))]);
        return Task.CompletedTask;
    }

    private static void Describe(IDictionary<string, IOpenApiSchema> properties, string name, JsonSchemaType type, string description, Action<OpenApiSchema> more)
    {
        if (properties.TryGetValue(name, out var found) && found is OpenApiSchema schema)
        {
            schema.Type = type;
            schema.Description = description;
            more(schema);
        }
    }
}
