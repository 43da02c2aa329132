namespace Orders.Api.Orders;

internal static class OrdersRegistration
{
    public static IServiceCollection AddOrders(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SecurityOptions>()
            .Bind(configuration.GetSection(SecurityOptions.Section))
            .Validate(o => string.IsNullOrEmpty(o.TokenSecret) || o.TokenSecret.Length >= 32, "Security:TokenSecret must be at least 32 characters.")
            .ValidateOnStart();
        services.AddSingleton<StatusTokens>();
        return services;
    }
}
