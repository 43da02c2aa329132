using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Orders.Api.Hosting;

// Turns the two kinds of exception a caller can act on into problem details instead of a 500:
// a request the framework could not read (malformed JSON, bad form values: 4xx), and storage
// trouble (503, so a provider retries its webhook and a customer tries again).
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails problem;
        if (exception is BadHttpRequestException badRequest)
        {
            // A browser's form that could not be read (an expired antiforgery token, a value of the
            // wrong kind): a page that says what to do, not a JSON document.
            if (await ErrorPages.TryWriteAsync(httpContext, badRequest.StatusCode))
            {
                return true;
            }

            problem = new ProblemDetails
            {
                Status = badRequest.StatusCode,
                Title = "The request could not be read.",
                // The framework's message names the parameter and the problem, never the value sent.
                Detail = badRequest.Message,
            };
        }
        else if (exception is DbException || exception.InnerException is DbException)
        {
            LogStorageFailure(logger, httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name);
            httpContext.Response.Headers.RetryAfter = "5";
            if (await ErrorPages.TryWriteAsync(httpContext, StatusCodes.Status503ServiceUnavailable, TimeSpan.FromSeconds(5)))
            {
                return true;
            }

            problem = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Storage unavailable",
                Detail = "The order database cannot be reached right now. Nothing was changed; please try again shortly.",
            };
        }
        else
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, Exception = exception, ProblemDetails = problem });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path}: storage failed with {ErrorType}; answered 503")]
    private static partial void LogStorageFailure(ILogger logger, string method, string path, string errorType);
}

// 303 See Other: after a GET or POST that changed something, the browser fetches the target with GET.
internal sealed class SeeOtherResult(string location) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => StatusCodes.Status303SeeOther;

    public string Location { get; } = location;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
        httpContext.Response.Headers.Location = Location;
        return Task.CompletedTask;
    }
}

internal static class ErrorHandlingRegistration
{
    public static IServiceCollection AddErrorHandling(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<ProblemExceptionHandler>();
        return services;
    }
}
