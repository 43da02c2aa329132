using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Licensing;

namespace Orders.Api.Licensing;

internal sealed record PublicKeyView(string KeyId, string Algorithm, string PublicKeyPem);

internal static class LicenseEndpoints
{
    public static IServiceCollection AddLicensing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<LicensingOptions>()
            .Bind(configuration.GetSection(LicensingOptions.Section))
            .Validate(o => System.Text.RegularExpressions.Regex.IsMatch(o.KeyId, "^[A-Za-z0-9-]{1,16}$"), "Licensing:KeyId must be 1–16 letters, digits or dashes.")
            .Validate<IHostEnvironment>((o, environment) => !environment.IsProduction() || !string.IsNullOrWhiteSpace(o.SigningKeyPem) || !string.IsNullOrWhiteSpace(o.SigningKeyPemFile),
                "no license signing key: set Licensing:SigningKeyPem or Licensing:SigningKeyPemFile (a generated key on local disk would make licenses unverifiable after a redeploy)")
            .ValidateOnStart();
        services.AddSingleton<LicenseKeys>();
        services.AddSingleton<RevocationLists>();
        services.AddDataDirectoryFile(LicenseKeys.GeneratedKeyFileName);
        services.AddStartupReport<LicenseKeysStartupReport>();
        return services;
    }

    public static IEndpointRouteBuilder MapLicenses(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/licenses/public-key", (LicenseKeys keys) =>
                TypedResults.Ok(new PublicKeyView(keys.Signer.KeyId, "ECDSA-P256-SHA256", keys.PublicKeyPem)))
            .WithTags("Licenses")
            .WithName("GetLicensePublicKey")
            .WithSummary("The public key new licenses are signed with")
            .WithDescription("ECDSA P-256 in PEM, with its key id (the id a license key names). Build it into your program "
                + "to verify license keys offline.");
        // Verifiers that must accept licenses issued under earlier keys fetch all of them.
        app.MapGet("/api/licenses/public-keys", (LicenseKeys keys) =>
                TypedResults.Ok(keys.AllPublicKeys.Select(k => new PublicKeyView(k.Key, "ECDSA-P256-SHA256", k.Value)).OrderBy(k => k.KeyId, StringComparer.Ordinal).ToList()))
            .WithTags("Licenses")
            .WithName("ListLicensePublicKeys")
            .WithSummary("Every public key a valid license may be signed with")
            .WithDescription("The current key and the retired ones still trusted, ordered by key id: a program that must accept "
                + "licenses issued before a key rotation verifies against all of them.");
        app.MapGet("/api/licenses/revocations", GetRevocationsAsync)
            .WithTags("Licenses")
            .WithName("GetLicenseRevocations")
            .WithoutClientNetworkInRequestLog()
            .WithSummary("The signed list of revoked license ids, for programs to check their key offline")
            .WithDescription("Binary format ORL1 (see the README, \"Revoked licenses in your program\"): the revoked "
                + "license ids, a number that grows with every revocation, the time of the last one, signed with the current "
                + "license signing key (ECDSA P-256) named by its key id. Holds no personal data. Cache it: send If-None-Match "
                + "with the ETag you kept.")
            .WithMetadata(new ProducesResponseTypeAttribute(typeof(byte[]), StatusCodes.Status200OK, RevocationList.MediaType)
            {
                Description = "The current revocation list, signed; verify it with Orders.Licensing's RevocationList.Accept.",
            })
            .WithMetadata(new ProducesResponseTypeAttribute(StatusCodes.Status304NotModified)
            {
                Description = "The list is still the one with the ETag sent in If-None-Match.",
            })
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    // Public and cacheable: five minutes fresh, then asked again with the ETag (a 304 costs one row
    // read); a cache may give the last list for a day while the service is down, since a program
    // refuses any list older than the one it has. Never transformed: the bytes are signed.
    private const string RevocationsCacheControl = "public, max-age=300, stale-if-error=86400, no-transform";

    private static async Task<Results<FileContentHttpResult, StatusCodeHttpResult>> GetRevocationsAsync(
        HttpContext context, RevocationLists lists, CancellationToken ct)
    {
        var state = await lists.StateAsync(ct);
        var current = lists.ETagFor(state.Sequence);
        context.Response.Headers.CacheControl = RevocationsCacheControl;
        if (context.Request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } sent
            && sent.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: false)))
        {
            context.Response.Headers.ETag = current.ToString();
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        var list = await lists.GetAsync(state, ct);
        return TypedResults.Bytes(list.Bytes, RevocationList.MediaType, entityTag: list.ETag);
    }
}

// Loads the signing key at start-up, so a missing or broken key fails now, not at the first sale;
// LicenseKeys itself logs when it signs with a generated key.
internal sealed class LicenseKeysStartupReport(LicenseKeys keys) : IStartupReportSection
{
    public void Report(ILogger logger) => _ = keys.Signer;
}
