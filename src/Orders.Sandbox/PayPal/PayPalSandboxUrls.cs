using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Orders.Sandbox.PayPal;

// Absolute URLs are computed at use time: with port 0 or in-process hosting the server's address is
// only known after it has started, long after services are built.
internal sealed class PayPalSandboxUrls(IServer server, IOptions<PayPalSandboxOptions> options)
{
    public const string DefaultPrefix = "/sandbox/paypal";

    // TestServer (WebApplicationFactory) has no addresses; its clients use http://localhost.
    private const string Fallback = "http://localhost";

    public string Prefix { get; set; } = DefaultPrefix;

    public string PublicBase => options.Value.PublicBaseUrl?.TrimEnd('/') ?? OwnAddress(httpOnly: false) ?? Fallback;

    // Where the REST API lives, i.e. what the adapter's base URL should be.
    public string ApiBase => PublicBase + Prefix;

    public string? WebhookTarget => options.Value.WebhookUrl
        ?? (OwnAddress(httpOnly: true) is { } own ? own + "/webhooks/paypal" : null);

    public string ApprovalUrl(string orderId) => $"{PublicBase}{Prefix}/checkoutnow?token={Uri.EscapeDataString(orderId)}";

    public string Order(string orderId) => $"{ApiBase}/v2/checkout/orders/{orderId}";

    public string Capture(string captureId) => $"{ApiBase}/v2/payments/captures/{captureId}";

    public string Refund(string refundId) => $"{ApiBase}/v2/payments/refunds/{refundId}";

    public string Event(string eventId) => $"{ApiBase}/v1/notifications/webhooks-events/{eventId}";

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
