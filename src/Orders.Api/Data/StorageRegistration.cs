using Dapper;
using Microsoft.Extensions.Options;

namespace Orders.Api.Data;

internal static class StorageRegistration
{
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        UtcDateTimeHandler.Register();

        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section));
        services.AddOptions<DatabaseOptions>()
            .Bind(configuration.GetSection(DatabaseOptions.Section))
            .Configure<IOptions<StorageOptions>, IHostEnvironment>((o, storage, environment) =>
            {
                o.ConnectionString = configuration.GetConnectionString("Orders") is { Length: > 0 } configured
                    ? configured
                    : $"Data Source={Path.Combine(Licensing.DataDirectory.Resolve(storage.Value, environment), "orders.db")}";
            })
            .ValidateOnStart();
        services.AddSingleton<Db>();
        services.AddSingleton<WalCheckpointer>();
        services.AddHostedService(sp => sp.GetRequiredService<WalCheckpointer>());
        services.AddSingleton<Migrations>();
        return services;
    }

    // Runs before the service takes traffic or processes jobs: nothing may touch an old schema.
    public static WebApplication MigrateDatabase(this WebApplication app)
    {
        app.Services.GetRequiredService<Migrations>().Apply();
        return app;
    }
}
