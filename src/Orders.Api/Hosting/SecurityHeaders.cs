namespace Orders.Api.Hosting;

// Headers every page gets: no framing, no MIME sniffing, no referrer (status links carry the
// customer's token, which must not leak to the next site), and a content security policy that
// allows only this site's own resources. Form posts may lead on to the payment providers' pages.
internal static class SecurityHeaders
{
    private static readonly string[] ProviderPages =
    [
        "https://www.paypal.com", "https://www.sandbox.paypal.com", "https://secure.2checkout.com", "https://checkout.stripe.com",
    ];

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        var formTargets = ProviderPages
            .Concat(new[] { app.Configuration["PayPal:BaseUrl"], app.Configuration["Avangate:CheckoutUrl"], app.Configuration["Stripe:CheckoutUrl"] }
                .Where(u => Uri.TryCreate(u, UriKind.Absolute, out _))
                .Select(u => new Uri(u!).GetLeftPart(UriPartial.Authority)))
            .Distinct(StringComparer.OrdinalIgnoreCase);
        var policy = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; script-src 'self'; "
            + $"form-action 'self' {string.Join(' ', formTargets)}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

        app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                var path = context.Request.Path;
                // The Hangfire dashboard and the development API reference bring their own scripts.
                var ownsScripts = path.StartsWithSegments("/hangfire") || path.StartsWithSegments("/api-docs");
                if (!ownsScripts && context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
                {
                    headers.ContentSecurityPolicy = policy;
                    headers.XFrameOptions = "DENY";
                }

                return Task.CompletedTask;
            });
            await next();
        });
        return app;
    }
}
