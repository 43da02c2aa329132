using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Orders.Api.Hosting;

// A stylesheet or script built into the assembly and served from this site (the content security
// policy allows scripts and styles from 'self' only). Its address carries a hash of the content,
// so a browser may keep it for a year and still never uses an old copy after a release.
internal sealed class EmbeddedAsset
{
    private readonly byte[] content;
    private readonly string contentType;

    private EmbeddedAsset(string route, byte[] content, string contentType)
    {
        Route = route;
        this.content = content;
        this.contentType = contentType;
        Path = $"{route}?v={Convert.ToHexStringLower(SHA256.HashData(content))[..12]}";
    }

    public string Route { get; }

    // What pages link to: the route with the content's version.
    public string Path { get; }

    public static EmbeddedAsset Load(string resourceName, string route, string contentType)
    {
        using var stream = typeof(EmbeddedAsset).Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"The embedded asset {resourceName} is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return new EmbeddedAsset(route, copy.ToArray(), contentType);
    }

    public void Map(IEndpointRouteBuilder app) =>
        app.MapGet(Route, (HttpContext context) => Serve(context)).ExcludeFromDescription();

    private FileContentHttpResult Serve(HttpContext context)
    {
        context.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        return TypedResults.Bytes(content, contentType);
    }
}
