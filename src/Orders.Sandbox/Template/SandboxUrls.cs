using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Template;

// Absolute URLs are computed at use time: with port 0 or in-process hosting the server's address is
// only known after it has started, long after services are built.
internal sealed class SandboxUrls<TOptions>(IServer server, IOptions<TOptions> options)
    where TOptions : SandboxOptions
{
    // TestServer (WebApplicationFactory) has no addresses; its clients use http://localhost.
    private const string Fallback = "http://localhost";

    public string Prefix { get; set; } = "";

    public string PublicBase => options.Value.PublicBaseUrl?.TrimEnd('/') ?? OwnAddress(httpOnly: false) ?? Fallback;

    // Where the stand-in lives, e.g. what the adapter's base URL should be.
    public string Base => PublicBase + Prefix;

    // The configured target, else this server's own http address + path (the in-process case).
    public string? Target(string? configured, string path) =>
        configured ?? (OwnAddress(httpOnly: true) is { } own ? own + path : null);

    private string? OwnAddress(bool httpOnly)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        return addresses.FirstOrDefault(a => !httpOnly || a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) is { } address
            ? Reachable(address)
            : null;
    }

    // A wildcard listen address is not something a client can connect to.
    private static string Reachable(string address)
    {
        var binding = BindingAddress.Parse(address);
        var host = binding.Host is "0.0.0.0" or "[::]" or "::" or "+" or "*" ? "127.0.0.1" : binding.Host;
        return $"{binding.Scheme}://{host}:{binding.Port}{binding.PathBase}".TrimEnd('/');
    }
}
