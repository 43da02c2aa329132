using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Hosting;

namespace Orders.Api.Checkout;

internal static class CheckoutEndpoints
{
    public const int MaxBodyBytes = 16 * 1024;

    // A provider that failed is usually back, or its circuit closed again, within a minute.
    internal const string ProviderRetryAfterSeconds = "60";

    public static IServiceCollection AddCheckout(this IServiceCollection services)
    {
        services.AddScoped<CheckoutService>();
        services.AddCheckoutRequestSchema();
        return services;
    }

    public static IEndpointRouteBuilder MapCheckout(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/checkout", StartCheckout)
            .WithTags("Checkout")
            .WithName("StartCheckout")
            .WithSummary("Start a purchase")
            .WithDescription("Creates the order at the chosen payment provider, then the order here (pending). Send the buyer to "
                + "`redirectUrl` to pay on the provider's page; `statusUrl` (also the Location) is where the customer sees the order. "
                + "With an Idempotency-Key a repeated request answers the first order again (header Idempotent-Replayed: true); "
                + "the same key with another body is a 422. Nothing is created or charged when the answer is not 201.")
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .RequireRateLimiting(RateLimits.Checkout)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        app.MapCheckoutCancel();
        return app;
    }

    internal static async Task<Results<Created<CheckoutResponse>, ValidationProblem, ProblemHttpResult>> StartCheckout(
        CheckoutRequest request,
        [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey,
        HttpContext context,
        CheckoutService checkout,
        CancellationToken ct)
    {
        var outcome = await checkout.StartAsync(request, idempotencyKey, BaseUri.Of(context), ct);
        switch (outcome)
        {
            case CheckoutOutcome.Created created:
                if (created.Replayed)
                {
                    context.Response.Headers["Idempotent-Replayed"] = "true";
                }

                return TypedResults.Created(created.Response.StatusUrl, created.Response);
            case CheckoutOutcome.Invalid invalid:
                return TypedResults.ValidationProblem(invalid.Errors, title: "The order request is not valid.");
            case CheckoutOutcome.KeyReused:
                return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "Idempotency key reused",
                    detail: "This Idempotency-Key was already used with a different request body.");
            case CheckoutOutcome.ProviderFailed { Unavailable: true } failed:
                context.Response.Headers.RetryAfter = ProviderRetryAfterSeconds;
                return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Payment provider unavailable",
                    detail: $"{failed.Provider} is not answering right now. No order was created and nothing was charged; please try again in a minute.");
            case CheckoutOutcome.ProviderFailed failed:
                return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Payment provider error",
                    detail: $"{failed.Provider} refused to start this payment. No order was created and nothing was charged.");
            default:
                throw new InvalidOperationException($"Unhandled checkout outcome {outcome.GetType().Name}.");
        }
    }
}

internal static class BaseUri
{
    // Links we hand out point where the customer is: the configured public address, else the
    // address this request came in on (forwarded headers are applied before this runs).
    public static Uri Of(HttpContext context)
    {
        var configured = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<PublicAddressOptions>>().Value.PublicBaseUrl;
        return !string.IsNullOrWhiteSpace(configured)
            ? new Uri(configured.TrimEnd('/') + "/")
            : new Uri($"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/");
    }
}
