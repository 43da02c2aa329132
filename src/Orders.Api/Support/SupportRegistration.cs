using Hangfire;
using Orders.Api.Checkout;
using Orders.Api.Hosting;

namespace Orders.Api.Support;

internal static class SupportRegistration
{
    public static IServiceCollection AddSupport(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SupportOptions>()
            .Bind(configuration.GetSection(SupportOptions.Section))
            .Validate(o => o.IdleTimeout > TimeSpan.Zero && o.MaxSessionLength >= o.IdleTimeout, "Support:IdleTimeout must be positive and no longer than Support:MaxSessionLength.")
            .Validate(o => o.FreeFailedSignIns > 0 && o.FreeFailedSignInsPerNetwork > 0 && o.FreeFailedSignInsPerUsername > 0,
                "Support:FreeFailedSignIns, Support:FreeFailedSignInsPerNetwork and Support:FreeFailedSignInsPerUsername must be positive.")
            .Validate(o => o.MaxSignInDelay >= SignInThrottle.FirstDelay, $"Support:MaxSignInDelay must be at least {SignInThrottle.FirstDelay}.")
            .ValidateOnStart();
        services.AddSupportAuthentication();
        services.AddSupportApiDocument();
        services.DescribeRequestFields<ChangeEmailBody>(("email", s => s.Text(1, CheckoutValidation.MaxEmailLength, "email")));
        services.DescribeRequestFields<CorrectLicenseeBody>(("licenseeName", s => s.Text(1, CheckoutValidation.MaxLicenseeNameLength)));
        services.DescribeRequestFields<NoteBody>(("text", s => s.Text(1, OrderNotes.MaxLength)));
        services.DescribeRequestFields<RevokeBody>(("reason", s => s.Text(SupportActions.MinReasonLength, SupportActions.MaxReasonLength)));
        // Optional here: empty is no reason, anything else at least MinReasonLength.
        services.DescribeRequestFields<SupportRefundBody>(("reason", s => s.Text(0, SupportActions.MaxReasonLength)));
        services.AddSingleton<LookupAuditWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<LookupAuditWriter>());
        services.AddSingleton<AuditLog>();
        services.AddSingleton<StaffAccounts>();
        services.AddSingleton<StaffSignIn>();
        services.AddSingleton<StaffSessions>();
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<OrderSearch>();
        services.AddSingleton<RecentOrders>();
        services.AddSingleton<OrderNotes>();
        services.AddSingleton<SupportOrders>();
        services.AddScoped<SupportActions>();
        services.AddScoped<OrderCorrections>();
        return services;
    }

    public static WebApplication MapSupport(this WebApplication app)
    {
        app.MapSupportPages();
        app.MapSupportApi();
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            Authorization = [new AdminDashboardAuthorization()],
            AppPath = "/support",
            DashboardTitle = "Orders jobs",
            DisplayStorageConnectionString = false,
        });
        return app;
    }
}
