using Hangfire;
using Orders.Api.Hosting;

namespace Orders.Api.Privacy;

// The privacy promises as features: export and erasure of one customer's data (admins).
internal static class PrivacyRegistration
{
    public static IServiceCollection AddPrivacy(this IServiceCollection services)
    {
        services.AddSingleton<CustomerData>();
        services.DescribeRequestFields<EraseBody>(("email", s => s.Text(1, CustomerData.MaxEmailLength, "email")));
        services.AddScoped<EndedOrderErasureJob>();
        return services;
    }

    public static WebApplication MapPrivacy(this WebApplication app)
    {
        app.MapCustomerDataPages();
        app.MapCustomerDataApi();
        app.Lifetime.ApplicationStarted.Register(() => app.Services.GetRequiredService<IRecurringJobManager>()
            .AddOrUpdate<EndedOrderErasureJob>(EndedOrderErasureJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), EndedOrderErasureJob.Schedule));
        return app;
    }
}
