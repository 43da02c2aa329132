namespace Orders.Api.Privacy;

// The privacy promises as features: export and erasure of one customer's data (admins).
internal static class PrivacyRegistration
{
    public static IServiceCollection AddPrivacy(this IServiceCollection services)
    {
        services.AddSingleton<CustomerData>();
        return services;
    }

    public static WebApplication MapPrivacy(this WebApplication app)
    {
        app.MapCustomerDataPages();
        return app;
    }
}
