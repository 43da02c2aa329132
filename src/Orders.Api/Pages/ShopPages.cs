using Microsoft.AspNetCore.Http.HttpResults;
using Orders.Api.Hosting;

namespace Orders.Api.Pages;

// The shop's answers that are only a message with a way on, and the HTML error pages the host
// writes for browsers (Hosting/ErrorPages.cs decides who gets HTML and who gets problem details).
internal sealed class ShopPages : IHtmlErrorPages
{
    public static RazorComponentResult<MessagePage> NotFound() =>
        Message(404, "Page not found", "There is no page or product at this address. It may have been mistyped, or the product is no longer sold.");

    public static RazorComponentResult<MessagePage> Message(int statusCode, string title, string message, string? detail = null, string? backHref = null, bool noIndex = false) =>
        new(new { Title = title, Message = message, Detail = detail, BackHref = backHref, NoIndex = noIndex }) { StatusCode = statusCode };

    public Task WriteAsync(HttpContext context, int statusCode, TimeSpan? retryAfter)
    {
        var page = statusCode switch
        {
            404 => NotFound(),
            429 => Message(429, "Please wait a moment",
                $"Too many requests came from your network in a short time. Please wait {ShopFormat.Wait(retryAfter ?? TimeSpan.FromMinutes(1))} and try again.",
                detail: "Nothing was sent or charged by the request that was refused."),
            400 => Message(400, "This form could not be read",
                "The page may have been open for a long time, or your browser did not send the whole form. Go back, reload the page and try again.",
                detail: "Nothing was sent or charged."),
            405 => Message(405, "This page cannot be used that way", "Open the shop's pages from its links."),
            503 => Message(503, "Please try again shortly", "The shop cannot reach its order database right now. Nothing was changed; please try again in a moment."),
            >= 500 => Message(statusCode, "Something went wrong", "The shop could not answer this request. Nothing was changed; please try again in a moment."),
            _ => Message(statusCode, "This page is not available", "The shop cannot show this page."),
        };
        return page.ExecuteAsync(context);
    }
}
