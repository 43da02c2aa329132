using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace Orders.Api.Hosting;

// Who gets an HTML error page and who gets RFC 9457 problem details. A browser asking for a page
// (Accept: text/html) anywhere outside the machine-facing prefixes gets a page with a way back;
// the API, the providers' webhooks, the sandbox, probes and every client that does not ask for
// HTML get problem details, as before.
internal static class ErrorPages
{
    private static readonly string[] MachinePrefixes = ["/api", "/webhooks", "/sandbox", "/health", "/metrics", "/hangfire", "/openapi", "/api-docs"];

    public static bool WantHtml(HttpContext context)
    {
        var request = context.Request;
        if (MachinePrefixes.Any(p => request.Path.StartsWithSegments(p)))
        {
            return false;
        }

        return context.RequestServices.GetService<IHtmlErrorPages>() is not null
            && request.Headers.Accept.Count > 0
            && request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase) && a.Quality is not 0);
    }

    // Writes the page if this request should get one; false: the caller writes problem details.
    public static async Task<bool> TryWriteAsync(HttpContext context, int statusCode, TimeSpan? retryAfter = null)
    {
        if (!WantHtml(context) || context.Response.HasStarted)
        {
            return false;
        }

        context.Response.StatusCode = statusCode;
        await context.RequestServices.GetRequiredService<IHtmlErrorPages>().WriteAsync(context, statusCode, retryAfter);
        return true;
    }

    // Status code pages: an empty error answer becomes a page for a browser, problem details otherwise.
    public static async Task WriteStatusCodePageAsync(Microsoft.AspNetCore.Diagnostics.StatusCodeContext status)
    {
        var context = status.HttpContext;
        if (await TryWriteAsync(context, context.Response.StatusCode, RetryAfter(context)))
        {
            return;
        }

        var written = await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = context.Response.StatusCode },
        });
        if (!written)
        {
            // A client that accepts neither: the framework's own plain-text answer.
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"Status Code: {context.Response.StatusCode}"));
        }
    }

    private static TimeSpan? RetryAfter(HttpContext context) =>
        int.TryParse(context.Response.Headers[HeaderNames.RetryAfter], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : null;
}

// The shop's pages implement it (Pages/ShopPages.cs); the host knows no feature.
internal interface IHtmlErrorPages
{
    Task WriteAsync(HttpContext context, int statusCode, TimeSpan? retryAfter);
}
