using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Orders.Api.Support;

// Renders a console page (a Razor component in ConsoleLayout, on the server only): encoding and
// the forms' antiforgery fields come from the framework. No-store, so customer data stays out of caches,
// with no-cache too, as antiforgery wants on a page with its field (else it rewrites the header and warns).
internal static class ConsolePage
{
    public static RazorComponentResult Render<TPage>(HttpContext context, object parameters, int statusCode = StatusCodes.Status200OK)
        where TPage : IComponent
    {
        context.Response.Headers.CacheControl = "no-cache, no-store";
        return new RazorComponentResult<TPage>(parameters) { StatusCode = statusCode };
    }

    public static RazorComponentResult Message(HttpContext context, int statusCode, string title, string heading, string message,
        string backHref, string backText, string? section = null, string? tone = null, string? code = null) =>
        Render<ConsoleMessagePage>(context, new
        {
            Title = title, Heading = heading, Message = message, BackHref = backHref, BackText = backText, Section = section, Tone = tone, Code = code,
        }, statusCode);
}
