using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox.Stripe;

// Absolute URLs are computed at use time: with port 0 or in-process hosting the server's address is
// only known after it has started, long after services are built.
internal sealed class StripeSandboxUrls(IServer server, IOptions<StripeSandboxOptions> options)
{
    public const string DefaultPrefix = "/sandbox/stripe";

    // TestServer (WebApplicationFactory) has no addresses; its clients use http://localhost.
    private const string Fallback = "http://localhost";

    public string Prefix { get; set; } = DefaultPrefix;

    public string PublicBase => options.Value.PublicBaseUrl?.TrimEnd('/') ?? OwnAddress(httpOnly: false) ?? Fallback;

    // What Stripe.net's ApiBase must be: it appends /v1/… itself.
    public string ApiBase => PublicBase + Prefix;

    public string? WebhookTarget => options.Value.WebhookUrl
        ?? (OwnAddress(httpOnly: true) is { } own ? own + "/webhooks/stripe" : null);

    // The hosted payment page, like https://checkout.stripe.com/c/pay/cs_test_…
    public string PayPage(string sessionId) => $"{ApiBase}/c/pay/{Uri.EscapeDataString(sessionId)}";

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
