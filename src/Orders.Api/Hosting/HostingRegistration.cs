namespace Orders.Api.Hosting;

internal static class HostingRegistration
{
    public static IServiceCollection AddHosting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<PublicAddressOptions>()
            .Bind(configuration.GetSection(PublicAddressOptions.Section))
            .Validate(o => string.IsNullOrWhiteSpace(o.PublicBaseUrl) || Uri.TryCreate(o.PublicBaseUrl, UriKind.Absolute, out _), "App:PublicBaseUrl must be an absolute URL such as https://shop.example.com.")
            .ValidateOnStart();
        services.AddSingleton<PublicAddress>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }
}
