using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Orders.Api.Catalog;

internal sealed class CatalogOptions
{
    public const string Section = "Catalog";

    [Required, MinLength(1, ErrorMessage = "Catalog:Products must list at least one product.")]
    public List<Product> Products { get; set; } = [];
}

public sealed record Product
{
    [Required, RegularExpression("^[A-Z0-9][A-Z0-9-]{0,63}$")]
    public string Sku { get; init; } = "";

    [Required, StringLength(127)]
    public string Name { get; init; } = "";

    [Range(1, long.MaxValue)]
    public long PriceMinor { get; init; }

    [Required, RegularExpression("^[A-Z]{3}$")]
    public string Currency { get; init; } = "";
}

internal sealed class ProductCatalog(IOptions<CatalogOptions> options)
{
    public IReadOnlyList<Product> All => options.Value.Products;

    public Product? Find(string? sku) =>
        sku is null ? null : options.Value.Products.FirstOrDefault(p => string.Equals(p.Sku, sku, StringComparison.OrdinalIgnoreCase));
}

internal sealed record ProductView(string Sku, string Name, long PriceMinor, string Currency);

internal static class CatalogEndpoints
{
    public static IServiceCollection AddCatalog(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CatalogOptions>()
            .Bind(configuration.GetSection(CatalogOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Products.All(p => IsValid(p)), "Every Catalog:Products entry needs Sku (A-Z, 0-9, -), Name, PriceMinor > 0 and a 3-letter Currency.")
            .Validate(o => o.Products.Select(p => p.Sku).Distinct(StringComparer.OrdinalIgnoreCase).Count() == o.Products.Count, "Catalog:Products has a duplicate Sku.")
            .ValidateOnStart();
        services.AddSingleton<ProductCatalog>();
        services.AddOptions<ShopOptions>()
            .Bind(configuration.GetSection(ShopOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.LogoUrl is null || o.LogoUrl.StartsWith('/') && !o.LogoUrl.StartsWith("//", StringComparison.Ordinal)
                    || Uri.TryCreate(o.LogoUrl, UriKind.Absolute, out var logo) && logo.Scheme == Uri.UriSchemeHttps,
                "Shop:LogoUrl must be an https URL or a path on this site (/logo.svg).")
            .Validate(o => string.IsNullOrWhiteSpace(o.PrivacyPolicyFile) || File.Exists(o.PrivacyPolicyFile),
                "Shop:PrivacyPolicyFile must name a readable file (the privacy policy shown at /privacy), or be left empty for the built-in one.")
            .ValidateOnStart();
        return services;
    }

    public static IEndpointRouteBuilder MapCatalog(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/products", (ProductCatalog catalog) =>
                TypedResults.Ok(catalog.All.Select(p => new ProductView(p.Sku, p.Name, p.PriceMinor, p.Currency)).ToList()))
            .WithTags("Catalog")
            .WithName("ListProducts")
            .WithSummary("List the products on sale")
            .WithDescription("Every product in the catalog with its sku (what checkout takes), its name and its price in minor units "
                + "of its currency (4900 USD is 49.00 USD).");
        return app;
    }

    private static bool IsValid(Product product) =>
        Validator.TryValidateObject(product, new ValidationContext(product), null, validateAllProperties: true);
}
