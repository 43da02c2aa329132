using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace Orders.Api.Hosting;

// What /openapi/v1.json says beyond each endpoint's own metadata: the answers the pipeline gives
// before or around a handler (unreadable bodies, oversized bodies, wrong content types, rate
// limits), "no authentication" on the public operations, the document's description, its tags,
// and a server address without a trailing slash. Features add their own parts (schemas, the staff
// session) with ConfigureApiDescription.
internal static class ApiDescription
{
    public const string DocumentName = "v1";

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Catalog"] = "The products on sale.",
        ["Checkout"] = "Starting a purchase and where the payment provider sends the buyer back.",
        ["Orders"] = "An order's status as its customer sees it (order number plus the status token).",
        ["Licenses"] = "Verifying license keys offline (public keys, the signed revocation list) and recovering lost keys.",
        ["Support"] = "The support console as JSON, for signed-in staff (the console's session cookie).",
        ["Webhooks"] = "Notifications from the payment providers, authenticated by each provider's signature.",
    };

    public static IServiceCollection ConfigureApiDescription(this IServiceCollection services, Action<OpenApiOptions> configure) =>
        services.Configure(DocumentName, configure);

    // A request body's fields as the feature that validates them takes them (lengths, formats), so
    // the document and the validation say the same.
    public static IServiceCollection DescribeRequestFields<T>(this IServiceCollection services, params (string Field, Action<OpenApiSchema> Describe)[] fields) =>
        services.ConfigureApiDescription(options => options.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.Type == typeof(T) && context.JsonPropertyInfo is null && schema.Properties is { } properties)
            {
                foreach (var (field, describe) in fields)
                {
                    if (properties.TryGetValue(field, out var property) && property is OpenApiSchema inline)
                    {
                        describe(inline);
                    }
                }
            }

            return Task.CompletedTask;
        }));

    public static OpenApiSchema Text(this OpenApiSchema schema, int minLength, int maxLength, string? format = null)
    {
        schema.MinLength = minLength > 0 ? minLength : null;
        schema.MaxLength = maxLength;
        schema.Format = format ?? schema.Format;
        return schema;
    }

    public static void Describe(OpenApiOptions options)
    {
        options.AddOperationTransformer(DescribePipelineAnswers);
        options.AddSchemaTransformer(NumbersAreNumbers);
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "Orders API";
            document.Info.Description = "Sells licenses for desktop programs: checkout through the payment providers' own pages, "
                + "the customer's order status, license verification material, the providers' webhooks and the support console's API. "
                + "Errors are RFC 9457 problem details; a 400 names the fields of the request that were wrong.";
            foreach (var server in document.Servers ?? [])
            {
                server.Url = server.Url?.TrimEnd('/');
            }

            foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
            {
                if (tag.Name is { } name && TagDescriptions.TryGetValue(name, out var description))
                {
                    tag.Description = description;
                }
            }

            return Task.CompletedTask;
        });
    }

    // The web defaults read "3" as 3 (JsonNumberHandling.AllowReadingFromString), so every number is
    // described as "integer or string of digits". The service writes numbers as JSON numbers, and the
    // request fields that are numbers take only numbers (CheckoutRequest), so a generated client
    // should see a number.
    private static Task NumbersAreNumbers(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.String) && (type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number)))
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        return Task.CompletedTask;
    }

    private static async Task DescribePipelineAnswers(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        operation.Responses ??= [];
        // A handler's own body parameter (not a body declared with Accepts and read by the handler itself).
        if (context.Description.ParameterDescriptions.Any(p => p.Source == BindingSource.Body && p.ParameterDescriptor is not null))
        {
            // The body is read by the framework: malformed JSON or a value of the wrong type is a 400
            // naming the field (ProblemExceptionHandler), too big a body a 413, another content type a 415.
            await AddProblemAsync(operation, context, StatusCodes.Status400BadRequest,
                "The body or a parameter is not valid; `errors` names each field that was wrong.", typeof(HttpValidationProblemDetails), ct);
            await AddProblemAsync(operation, context, StatusCodes.Status413PayloadTooLarge, "The body is larger than this operation accepts.", typeof(ProblemDetails), ct);
            await AddProblemAsync(operation, context, StatusCodes.Status415UnsupportedMediaType, "The body is not sent as Content-Type: application/json.", typeof(ProblemDetails), ct);
        }

        if (metadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            await AddProblemAsync(operation, context, StatusCodes.Status429TooManyRequests,
                "Too many requests from this client; wait as long as Retry-After says.", typeof(ProblemDetails), ct);
        }

        // Public operations say so explicitly (an empty requirement); staff ones get the session
        // cookie from the Support feature.
        if (!metadata.OfType<IAuthorizeData>().Any())
        {
            operation.Security = [new OpenApiSecurityRequirement()];
        }
    }

    // A problem answer the endpoint did not declare itself; one it declared keeps its schema and
    // gets a description that says more than the reason phrase.
    private static async Task AddProblemAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, int status, string description, Type problem, CancellationToken ct)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(key, out var existing))
        {
            if (existing is OpenApiResponse declared && (string.IsNullOrEmpty(declared.Description) || declared.Description == ReasonPhrases.GetReasonPhrase(status)))
            {
                declared.Description = description;
            }

            return;
        }

        var document = context.Document!;
        var name = problem.Name;
        if (document.Components?.Schemas?.ContainsKey(name) != true)
        {
            document.AddComponent(name, await context.GetOrCreateSchemaAsync(problem, null, ct));
        }

        operation.Responses[key] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(name, document) },
            },
        };
    }
}
