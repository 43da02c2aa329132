using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Avangate;

// Absolute URLs are computed at use time: with port 0 or in-process hosting the server's address is
// only known after it has started, long after services are built.
internal sealed class AvangateSandboxUrls(IServer server, IOptions<AvangateSandboxOptions> options)
{
    public const string DefaultPrefix = "/sandbox/avangate";

    // TestServer (WebApplicationFactory) has no addresses; its clients use http://localhost.
    private const string Fallback = "http://localhost";

    public string Prefix { get; set; } = DefaultPrefix;

    public string PublicBase => options.Value.PublicBaseUrl?.TrimEnd('/') ?? OwnAddress(httpOnly: false) ?? Fallback;

    public string Base => PublicBase + Prefix;

    // What a buy link starts with: {Base}/checkout/buy?merchant=…
    public string BuyLinkBase => Base + "/checkout/buy";

    public string? IpnTarget => options.Value.IpnUrl
        ?? (OwnAddress(httpOnly: true) is { } own ? own + "/webhooks/avangate" : null);

    public string? LcnTarget => options.Value.LcnUrl
        ?? (OwnAddress(httpOnly: true) is { } own ? own + "/webhooks/avangate/lcn" : null);

    public string? Target(string kind) => kind == AvangateNotificationKinds.Lcn ? LcnTarget : IpnTarget;

    public string Cart(string refno) => $"{Base}/checkout/cart/{Uri.EscapeDataString(refno)}";

    private string? OwnAddress(bool httpOnly)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null)
        {
            return null;
        }
        foreach (var address in addresses)
        {
            if (!httpOnly || address.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            {
                return Reachable(address);
            }
        }
        return null;
    }

    // A wildcard listen address is not something a client can connect to.
    private static string Reachable(string address)
    {
        var binding = BindingAddress.Parse(address);
        var host = binding.Host is "0.0.0.0" or "[::]" or "::" or "+" or "*" ? "127.0.0.1" : binding.Host;
        return $"{binding.Scheme}://{host}:{binding.Port}{binding.PathBase}".TrimEnd('/');
    }
}
