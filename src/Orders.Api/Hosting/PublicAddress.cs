using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace Orders.Api.Hosting;

internal sealed class PublicAddressOptions
{
    public const string Section = "App";

    // The address customers and providers reach this service at (e.g. https://shop.example.com).
    // Empty: the first address this server listens on, which is right for the local zero-config run.
    public string? PublicBaseUrl { get; set; }
}

// Absolute links that leave the request (return URLs, links in e-mails, the in-process sandbox's
// own base URL) need an address even where no request is at hand, e.g. inside a job.
internal sealed class PublicAddress(IServer server, IOptions<PublicAddressOptions> options)
{
    public Uri BaseUri
    {
        get
        {
            if (!string.IsNullOrWhiteSpace(options.Value.PublicBaseUrl))
            {
                return new Uri(options.Value.PublicBaseUrl.TrimEnd('/') + "/");
            }

            var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var address = addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
                ?? addresses.FirstOrDefault()
                ?? throw new InvalidOperationException("The server has no address yet; set App:PublicBaseUrl.");
            return new Uri(ListenAddressToUrl(address).TrimEnd('/') + "/");
        }
    }

    public Uri Resolve(string relative) => new(BaseUri, relative.TrimStart('/'));

    // "http://+:80", "http://0.0.0.0:80" and "http://[::]:80" are listen wildcards, not addresses.
    private static string ListenAddressToUrl(string address) => address
        .Replace("://+", "://127.0.0.1", StringComparison.Ordinal)
        .Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
        .Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal)
        .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal);
}
