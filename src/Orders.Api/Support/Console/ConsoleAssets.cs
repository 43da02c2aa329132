using Orders.Api.Hosting;

namespace Orders.Api.Support;

// The console's stylesheet, built into the assembly and served like the shop's.
internal static class ConsoleAssets
{
    private static readonly EmbeddedAsset Style = EmbeddedAsset.Load("Orders.Api.Support.Console.console.css", "/assets/console.css", "text/css; charset=utf-8");

    public static string StylePath => Style.Path;

    public static IEndpointRouteBuilder MapConsoleAssets(this IEndpointRouteBuilder app)
    {
        Style.Map(app);
        return app;
    }
}
