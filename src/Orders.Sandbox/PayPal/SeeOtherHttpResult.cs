using Microsoft.Net.Http.Headers;

namespace Orders.Sandbox.PayPal;

// 303 See Other: after the buyer's POST on the hosted page the browser must follow with a GET.
// (TypedResults.Redirect only offers 301/302/307/308.)
internal sealed class SeeOtherHttpResult(string location) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => StatusCodes.Status303SeeOther;

    public string Location => location;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
        httpContext.Response.Headers[HeaderNames.Location] = location;
        return Task.CompletedTask;
    }
}
