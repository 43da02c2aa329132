using Orders.Api.Hosting;

namespace Orders.Api.Payments;

internal sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    // null: on exactly when no real provider is configured (the zero-config local run).
    public bool? Enabled { get; set; }
}

// Whether the local sandbox stands in for every provider: decided once, at start-up, by one rule,
// and injected wherever it matters (registration, the providers' settings, their validators).
internal sealed class SandboxMode
{
    private SandboxMode(bool enabled) => Enabled = enabled;

    public bool Enabled { get; }

    // Sandbox:Enabled when set; otherwise on when none of PayPal:ClientId, Avangate:MerchantCode,
    // Stripe:SecretKey is set. Production refuses it (see AddSandboxMode).
    public static SandboxMode From(IConfiguration configuration) =>
        new(configuration.GetSection(SandboxOptions.Section).Get<SandboxOptions>()?.Enabled
            ?? (string.IsNullOrWhiteSpace(configuration["PayPal:ClientId"]) && string.IsNullOrWhiteSpace(configuration["Avangate:MerchantCode"])
                && string.IsNullOrWhiteSpace(configuration["Stripe:SecretKey"])));
}

internal static class SandboxModeRegistration
{
    public static SandboxMode AddSandboxMode(this IServiceCollection services, IConfiguration configuration)
    {
        var mode = SandboxMode.From(configuration);
        services.AddSingleton(mode);
        services.AddOptions<SandboxOptions>()
            .Bind(configuration.GetSection(SandboxOptions.Section))
            // The sandbox confirms payments that never happened.
            .Validate<IHostEnvironment>((_, environment) => !(mode.Enabled && environment.IsProduction()),
                "payments would go to the local sandbox: set a provider's settings (PayPal:ClientId…, Stripe:SecretKey…, Avangate:MerchantCode…) and leave Sandbox:Enabled unset or false")
            // Sandbox off and no provider: every checkout would be refused.
            .Validate(_ => mode.Enabled || !string.IsNullOrWhiteSpace(configuration["PayPal:ClientId"])
                    || !string.IsNullOrWhiteSpace(configuration["Stripe:SecretKey"]) || !string.IsNullOrWhiteSpace(configuration["Avangate:MerchantCode"]),
                "Sandbox:Enabled is false but no payment provider is configured: set PayPal:ClientId (with its other settings), Stripe:SecretKey or Avangate:MerchantCode.")
            .ValidateOnStart();
        services.AddStartupReport<SandboxStartupReport>();
        return mode;
    }
}

internal sealed partial class SandboxStartupReport(SandboxMode mode) : IStartupReportSection
{
    public void Report(ILogger logger)
    {
        if (mode.Enabled)
        {
            LogSandbox(logger);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Payments go to the local sandbox under /sandbox (no PayPal credentials configured). Never use this in production.")]
    private static partial void LogSandbox(ILogger logger);
}
