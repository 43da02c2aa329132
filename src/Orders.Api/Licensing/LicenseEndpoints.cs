using Orders.Api.Data;
using Orders.Api.Hosting;

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
        services.AddDataDirectoryFile(LicenseKeys.GeneratedKeyFileName);
        services.AddStartupReport<LicenseKeysStartupReport>();
        return services;
    }

    public static IEndpointRouteBuilder MapLicenses(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/licenses/public-key", (LicenseKeys keys) =>
                TypedResults.Ok(new PublicKeyView(keys.Signer.KeyId, "ECDSA-P256-SHA256", keys.PublicKeyPem)))
            .WithTags("Licenses")
            .WithName("GetLicensePublicKey");
        // Verifiers that must accept licenses issued under earlier keys fetch all of them.
        app.MapGet("/api/licenses/public-keys", (LicenseKeys keys) =>
                TypedResults.Ok(keys.AllPublicKeys.Select(k => new PublicKeyView(k.Key, "ECDSA-P256-SHA256", k.Value)).OrderBy(k => k.KeyId, StringComparer.Ordinal).ToList()))
            .WithTags("Licenses")
            .WithName("ListLicensePublicKeys");
        return app;
    }
}

// Loads the signing key at start-up, so a missing or broken key fails now, not at the first sale;
// LicenseKeys itself logs when it signs with a generated key.
internal sealed class LicenseKeysStartupReport(LicenseKeys keys) : IStartupReportSection
{
    public void Report(ILogger logger) => _ = keys.Signer;
}
