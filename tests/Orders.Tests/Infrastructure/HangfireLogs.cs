using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Orders.Tests.Infrastructure;

// Hangfire writes its own log lines (a job that failed, with its exception) through one
// process-wide provider, which AddHangfire points at the logger factory of whichever host started
// last. With hosts running side by side, one test's Hangfire lines would land in another test's
// LogCapture (or in a disposed host's). Here every Hangfire object is built while its own host's
// logger factory is the ambient one, and the process-wide provider hands out loggers of that host.
// Storage and job activator need nothing: the service registers its own of each (ProcessingRegistration).
internal static class HangfireLogs
{
    private static readonly AsyncLocal<ILoggerFactory?> Building = new();
    private static readonly PerHost Provider = new();

    public static void RoutePerHost(IServiceCollection services)
    {
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.IsKeyedService || descriptor.ImplementationFactory is not { } build)
            {
                continue;
            }

            if (descriptor.ServiceType == typeof(IGlobalConfiguration))
            {
                // AddHangfire sets the process-wide provider to this host's; set it back.
                services[i] = ServiceDescriptor.Describe(descriptor.ServiceType, sp =>
                {
                    var configuration = (IGlobalConfiguration)InHost(sp, build);
                    configuration.UseLogProvider(Provider);
                    return configuration;
                }, descriptor.Lifetime);
            }
            else if (descriptor.ServiceType == typeof(IHostedService))
            {
                // The job server builds its workers when the host has started (on ApplicationStarted):
                // its StartAsync registers that callback, which runs in the context registered in.
                services[i] = ServiceDescriptor.Describe(descriptor.ServiceType, sp =>
                {
                    var service = (IHostedService)InHost(sp, build);
                    return service is BackgroundJobServerHostedService server ? new StartedInHost(server, sp.GetRequiredService<ILoggerFactory>()) : service;
                }, descriptor.Lifetime);
            }
            else if (descriptor.ServiceType.Namespace?.StartsWith("Hangfire", StringComparison.Ordinal) == true)
            {
                // Clients and managers (IBackgroundJobClient, IRecurringJobManager, …).
                services[i] = ServiceDescriptor.Describe(descriptor.ServiceType, sp => InHost(sp, build), descriptor.Lifetime);
            }
        }
    }

    private static object InHost(IServiceProvider services, Func<IServiceProvider, object> build)
    {
        var outer = Building.Value;
        Building.Value = services.GetRequiredService<ILoggerFactory>();
        try
        {
            return build(services);
        }
        finally
        {
            Building.Value = outer;
        }
    }

    private sealed class PerHost : ILogProvider
    {
        public ILog GetLogger(string name)
        {
            try
            {
                return Building.Value is { } factory ? new AspNetCoreLogProvider(factory).GetLogger(name) : Silent.Instance;
            }
            catch (ObjectDisposedException)
            {
                return Silent.Instance; // a stopped host's worker finishing
            }
        }
    }

    // A logger asked for outside any host's building: nothing to route it to.
    private sealed class Silent : ILog
    {
        public static readonly Silent Instance = new();

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }

    private sealed class StartedInHost(BackgroundJobServerHostedService server, ILoggerFactory loggerFactory) : IHostedService, IDisposable
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var outer = Building.Value;
            Building.Value = loggerFactory;
            try
            {
                return server.StartAsync(cancellationToken);
            }
            finally
            {
                Building.Value = outer;
            }
        }

        public Task StopAsync(CancellationToken cancellationToken) => server.StopAsync(cancellationToken);

        public void Dispose() => server.Dispose();
    }
}
