using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.SqlServer;
using Microsoft.Extensions.Options;
using Orders.Api.Data;
using Orders.Api.PaymentEvents.Receiving;
using Orders.Api.Payments;

namespace Orders.Api.PaymentEvents;

internal static class PaymentEventsRegistration
{
    public static IServiceCollection AddPaymentEvents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<PaymentEventStore>();
        services.AddHostedService(sp => sp.GetRequiredService<PaymentEventStore>());
        // Only resolved where MapPaymentEvents maps the provider, whose adapter is registered then.
        services.AddScoped(sp => ActivatorUtilities.CreateInstance<PayPalWebhook>(sp));
        services.AddScoped(sp => ActivatorUtilities.CreateInstance<StripeWebhook>(sp));

        // The storage is this app's own instance (not Hangfire's static JobStorage.Current), so two
        // hosts in one process (tests) never share a queue. In-memory is enough on the embedded
        // default: the recovery sweep rebuilds the queue from the database after a restart.
        // On SQL Server and PostgreSQL the jobs live in the same database (schema HangFire or
        // hangfire), shared by every instance.
        services.AddSingleton<JobStorage>(sp =>
        {
            var database = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            return database.Provider switch
            {
                DatabaseProvider.SqlServer => new SqlServerStorage(database.ConnectionString, new SqlServerStorageOptions { SchemaName = "HangFire", PrepareSchemaIfNecessary = true }),
                DatabaseProvider.PostgreSql => PostgreSqlJobStorage(database.ConnectionString),
                _ => new InMemoryStorage(new InMemoryStorageOptions { MaxExpirationTime = TimeSpan.FromHours(1) }),
            };
        });
        // Likewise the job activator: Hangfire's default is the static JobActivator.Current, which
        // the last host to start overwrites, so jobs of one host would run in another's container.
        services.AddSingleton<JobActivator>(sp => new Hangfire.AspNetCore.AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire(config => config
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        // Jobs:RunServer=false makes a web-only instance: it stores and enqueues, others process.
        if (configuration.GetValue("Jobs:RunServer", true))
        {
            services.AddHangfireServer(options =>
            {
                options.WorkerCount = configuration.GetValue("Jobs:WorkerCount", Math.Min(Environment.ProcessorCount * 5, 20));
                options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
            });
        }

        services.AddScoped<PaymentEventApplier>();
        services.AddScoped<ProviderConfirmation>();
        services.AddScoped<PaymentEventProcessor>();
        services.AddScoped<ProcessInboxBatchJob>();
        services.AddScoped<ProcessInboxEventJob>();
        services.AddScoped<RecoverySweepJob>();
        services.AddScoped<ReconciliationJob>();
        services.AddScoped<ExpiryAndRetentionJob>();
        services.AddOptions<MaintenanceOptions>()
            .Bind(configuration.GetSection(MaintenanceOptions.Section))
            .Validate(o => o.ReconcileAfter < o.PendingExpiry, "Maintenance:ReconcileAfter must be shorter than Maintenance:PendingExpiry.")
            .ValidateOnStart();
        return services;
    }

    // Hangfire.PostgreSql creates and upgrades its own schema (it takes its own lock for that).
    // Its default is to poll the queue every 15 s; long polling (LISTEN/NOTIFY) wakes a worker when a
    // job is enqueued, with a 1 s poll behind it, like the in-memory queue's pace. A fetched job
    // stays invisible to other servers while its worker's server keeps renewing it (sliding), so a
    // long job is not picked up twice, and a killed instance's job comes back after five minutes.
    private static PostgreSqlStorage PostgreSqlJobStorage(string connectionString)
    {
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire",
            PrepareSchemaIfNecessary = true,
            QueuePollInterval = TimeSpan.FromSeconds(1),
            EnableLongPolling = true,
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = TimeSpan.FromMinutes(5),
            DistributedLockTimeout = TimeSpan.FromMinutes(1),
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
    }

    // Each provider's receivers, where the provider is on: its webhooks and, for PayPal, the buyer's return.
    public static WebApplication MapPaymentEvents(this WebApplication app)
    {
        var sandbox = app.Services.GetRequiredService<SandboxMode>();
        if (PaymentsRegistration.PayPalEnabled(sandbox, app.Configuration))
        {
            PayPalReturnEndpoints.MapPayPalReturn(app);
            PayPalWebhook.MapPayPalWebhooks(app);
        }

        if (PaymentsRegistration.AvangateEnabled(sandbox, app.Configuration))
        {
            AvangateWebhook.MapAvangateWebhooks(app);
        }

        if (PaymentsRegistration.StripeEnabled(sandbox, app.Configuration))
        {
            StripeWebhook.MapStripeWebhooks(app);
        }

        return app;
    }

    // After start-up: on SQLite (one instance runs the jobs) e-mail claims left by a killed process
    // are released; the sweep runs once at once (whatever the queue lost while we were down) and
    // then every minute.
    public static WebApplication StartRecovery(this WebApplication app)
    {
        // Before the server starts: every e-mail claim older than this is a previous process's.
        var startedAt = app.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var recurring = app.Services.GetRequiredService<IRecurringJobManager>();
            recurring.AddOrUpdate<RecoverySweepJob>(RecoverySweepJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), Cron.Minutely());
            recurring.AddOrUpdate<ReconciliationJob>(ReconciliationJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), "*/5 * * * *");
            recurring.AddOrUpdate<ExpiryAndRetentionJob>(ExpiryAndRetentionJob.RecurringJobId, job => job.RunAsync(CancellationToken.None), Cron.Hourly());
            using var scope = app.Services.CreateScope();
            var sweep = scope.ServiceProvider.GetRequiredService<RecoverySweepJob>();
            var mail = app.Services.GetRequiredService<IOptions<Mail.MailOptions>>().Value;
            if (app.Services.GetRequiredService<Db>().Provider == DatabaseProvider.Sqlite && app.Configuration.GetValue("Jobs:RunServer", true) && mail.ReleaseClaimsAtStartup)
            {
                sweep.ReleaseClaimsOfAPreviousRunAsync(startedAt, mail.ClaimLength, app.Lifetime.ApplicationStopping).GetAwaiter().GetResult();
            }

            sweep.SweepAsync(TimeSpan.Zero, app.Lifetime.ApplicationStopping, allPages: true).GetAwaiter().GetResult();
        });
        return app;
    }
}
