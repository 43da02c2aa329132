using Orders.Api.Hosting;

namespace Orders.Api.Pages;

// The shop's stylesheet and script, built into the assembly (Hosting/EmbeddedAsset.cs serves them).
internal static class ShopAssets
{
    private static readonly EmbeddedAsset Style = EmbeddedAsset.Load("Orders.Api.Pages.Assets.shop.css", "/assets/shop.css", "text/css; charset=utf-8");
    private static readonly EmbeddedAsset Script = EmbeddedAsset.Load("Orders.Api.Pages.Assets.shop.js", "/assets/shop.js", "text/javascript; charset=utf-8");

    public static string StylePath => Style.Path;

    public static string ScriptPath => Script.Path;

    public static IEndpointRouteBuilder MapShopAssets(this IEndpointRouteBuilder app)
    {
        Style.Map(app);
        Script.Map(app);
        return app;
    }
}
