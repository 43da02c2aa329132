using System.Data.Common;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace Orders.Api.Hosting;

// Storage trouble is the one failure a caller can do something about: try again later. It becomes
// 503 problem details (a provider retries its webhook), never a 500.
internal sealed partial class StorageUnavailableHandler(IProblemDetailsService problems, ILogger<StorageUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not DbException && exception.InnerException is not DbException)
        {
            return false;
        }

        LogStorageFailure(logger, httpContext.Request.Method, httpContext.Request.Path, exception.GetType().Name);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Storage unavailable",
                Detail = "The order database cannot be reached right now. Nothing was changed; please try again shortly.",
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path}: storage failed with {ErrorType}; answered 503")]
    private static partial void LogStorageFailure(ILogger logger, string method, string path, string errorType);
}

internal static class ErrorHandlingRegistration
{
    public static IServiceCollection AddErrorHandling(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddExceptionHandler<StorageUnavailableHandler>();
        return services;
    }
}
