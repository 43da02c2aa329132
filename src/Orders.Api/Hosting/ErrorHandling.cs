using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

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

            problem = BodyErrors(httpContext, badRequest) is { } errors
                ? new HttpValidationProblemDetails(errors) { Status = StatusCodes.Status400BadRequest, Title = "The request body could not be read." }
                : new ProblemDetails
                {
                    Status = badRequest.StatusCode,
                    Title = "The request could not be read.",
                    // The framework's message names the query or header parameter and the problem, never the value sent.
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

    // A JSON body the framework could not read, as errors keyed by what the caller sent: the field
    // ("quantity", "items[0].sku") whose value has the wrong type, or "$" for the body as a whole
    // (not JSON, not an object, missing). Never the handler's parameter, never the value itself.
    internal static Dictionary<string, string[]>? BodyErrors(HttpContext context, BadHttpRequestException badRequest)
    {
        if (badRequest.StatusCode != StatusCodes.Status400BadRequest
            // The exception handler has cleared the request's endpoint; its feature keeps the one that threw.
            || (context.Features.Get<IExceptionHandlerFeature>()?.Endpoint ?? context.GetEndpoint())?.Metadata.GetMetadata<IAcceptsMetadata>() is not { } accepts
            || !accepts.ContentTypes.Any(type => type.Contains("json", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        if (badRequest.InnerException is not JsonException json)
        {
            // The framework's words for an empty body, or the JSON literal null, where an object is needed.
            return badRequest.Message.Contains("body", StringComparison.Ordinal)
                ? new() { [WholeBody] = ["Send a JSON object in the body."] }
                : null;
        }

        if (json.InnerException is JsonException)
        {
            // The reader's error: not JSON at all, or cut off.
            return new() { [WholeBody] = [string.Create(CultureInfo.InvariantCulture,
                $"The body is not valid JSON (it ends early or has a syntax error at line {json.LineNumber + 1}, byte {json.BytePositionInLine + 1}).")] };
        }

        if (json.Path is null or WholeBody)
        {
            return new() { [WholeBody] = ["The body must be a JSON object."] };
        }

        var field = json.Path.StartsWith("$.", StringComparison.Ordinal) ? json.Path[2..] : json.Path.TrimStart('$');
        return new() { [field] = [$"This value must be {Expected(context, accepts.RequestType, field)}."] };
    }

    private const string WholeBody = "$";

    private static string Expected(HttpContext context, Type? requestType, string field)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var property = requestType is null ? null
            : options.GetTypeInfo(requestType).Properties.FirstOrDefault(p => string.Equals(p.Name, field, StringComparison.Ordinal));
        var type = property is null ? null : Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return type switch
        {
            null => "of the type the API description gives",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) || type == typeof(byte) => "a whole number (a JSON number, not a string)",
            _ when type == typeof(decimal) || type == typeof(double) || type == typeof(float) => "a number",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(string) => "a string",
            _ => "of the type the API description gives",
        };
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
        // A request the framework cannot bind reaches ProblemExceptionHandler in every environment
        // (otherwise only in Development), so the answer names the field, not an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }
}
