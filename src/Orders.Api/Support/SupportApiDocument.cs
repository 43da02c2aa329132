using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Orders.Api.Hosting;

namespace Orders.Api.Support;

// The staff API's authentication in the OpenAPI document: the console's session cookie, by the
// name this environment gives it, on every operation that needs a signed-in staff member.
internal static class SupportApiDocument
{
    public const string SecuritySchemeId = "supportSession";

    public static IServiceCollection AddSupportApiDocument(this IServiceCollection services) =>
        services.ConfigureApiDescription(options => options.AddOperationTransformer(RequireSession));

    private static Task RequireSession(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any() || context.Document is not { } document)
        {
            return Task.CompletedTask;
        }

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        if (!document.Components.SecuritySchemes.ContainsKey(SecuritySchemeId))
        {
            var cookie = context.ApplicationServices.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(SupportAuthentication.Scheme).Cookie;
            document.Components.SecuritySchemes[SecuritySchemeId] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Cookie,
                Name = cookie.Name,
                Description = $"The support console's session: sign in at {SupportAuthentication.SignInPath} with a staff account "
                    + "(the `staff add` command creates one). Reads need the support or admin role; changes marked (admin) need admin. "
                    + "Changes are sent as JSON.",
            };
        }

        operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeId, document)] = [] }];
        return Task.CompletedTask;
    }
}
