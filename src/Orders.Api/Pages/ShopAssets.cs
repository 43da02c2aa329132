using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Orders.Api.Pages;

// The shop's stylesheet and script, built into the assembly and served from this site (the content
// security policy allows scripts and styles from 'self' only). Their addresses carry a hash of the
// content, so a browser may keep them for a year and still never uses an old copy after a release.
internal static class ShopAssets
{
    private static readonly Asset Style = Load("shop.css", "text/css; charset=utf-8");
    private static readonly Asset Script = Load("shop.js", "text/javascript; charset=utf-8");

    public static string StylePath => Style.Path;

    public static string ScriptPath => Script.Path;

    public static IEndpointRouteBuilder MapShopAssets(this IEndpointRouteBuilder app)
    {
        app.MapGet("/assets/shop.css", (HttpContext context) => Serve(context, Style)).ExcludeFromDescription();
        app.MapGet("/assets/shop.js", (HttpContext context) => Serve(context, Script)).ExcludeFromDescription();
        return app;
    }

    private static FileContentHttpResult Serve(HttpContext context, Asset asset)
    {
        context.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    private static Asset Load(string name, string contentType)
    {
        using var stream = typeof(ShopAssets).Assembly.GetManifestResourceStream("Orders.Api.Pages.Assets." + name)
            ?? throw new InvalidOperationException($"The embedded asset {name} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var content = copy.ToArray();
        var version = Convert.ToHexStringLower(SHA256.HashData(content))[..12];
        return new Asset($"/assets/{name}?v={version}", content, contentType);
    }

    private sealed record Asset(string Path, byte[] Content, string ContentType);
}
