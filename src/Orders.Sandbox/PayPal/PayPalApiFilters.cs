using Microsoft.Net.Http.Headers;

namespace Orders.Sandbox.PayPal;

// FailApiCalls: PayPal is "down"; nothing is processed.
internal sealed class FailApiCallsFilter(PayPalSandboxKnobs knobs) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        knobs.Current.FailApiCalls
            ? ApiOutcome.From(PayPalErrors.Internal()).ToResult()
            : await next(context);
}

// Every REST call needs a valid, unexpired token from /v1/oauth2/token.
internal sealed class BearerTokenFilter(PayPalAccessTokens tokens) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        tokens.IsValidBearer(context.HttpContext.Request.Headers[HeaderNames.Authorization])
            ? await next(context)
            : ApiOutcome.From(PayPalErrors.AuthenticationFailure()).ToResult();
}
