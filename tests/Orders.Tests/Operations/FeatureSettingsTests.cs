using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Licensing;
using Orders.Api.Orders;
using Orders.Api.Payments;
using Orders.Tests.Infrastructure;
using Orders.Tests.SqlServer;

namespace Orders.Tests.Operations;

// Each feature checks its own settings, Production's rules included, and adds its own lines to the
// start-up report: Hosting only runs what the features register and knows none of them.
public sealed partial class FeatureSettingsTests
{
    [Theory]
    [InlineData("Hosting", "App:PublicBaseUrl")]
    [InlineData("Hosting", "DataProtection:CertificatePath")]
    [InlineData("Licensing", "Licensing:SigningKeyPem")]
    [InlineData("Orders", "Security:TokenSecret")]
    [InlineData("Payments", "Sandbox:Enabled")]
    public void EachFeatureRefusesItsOwnDeveloperSettingsInProductionNamingTheSetting(string feature, string setting)
    {
        var message = Assert.ThrowsAny<Exception>(() => ValidateAlone(feature, Environments.Production)).ToString();
        Assert.Contains(setting, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Hosting")]
    [InlineData("Licensing")]
    [InlineData("Orders")]
    [InlineData("Payments")]
    public void TheSameZeroConfigSettingsStartOutsideProduction(string feature) =>
        ValidateAlone(feature, Environments.Development);

    [Theory]
    [InlineData("", true)]
    [InlineData("PayPal:ClientId=live-client", false)]
    [InlineData("Avangate:MerchantCode=MERCH", false)]
    [InlineData("Stripe:SecretKey=sk_live_x", false)]
    [InlineData("Sandbox:Enabled=true;PayPal:ClientId=live-client", true)]
    [InlineData("Sandbox:Enabled=false", false)]
    public void SandboxIsOnWithoutAnyProviderUnlessSandboxEnabledSaysOtherwise(string settings, bool enabled)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(
            settings.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Split('=', 2)).Select(p => KeyValuePair.Create(p[0], (string?)p[1]))).Build();
        Assert.Equal(enabled, SandboxMode.From(configuration).Enabled);
    }

    [Fact]
    public async Task ZeroConfigStartUpReportSaysWhereFilesGoAndThatPaymentsGoToTheSandbox()
    {
        await using var app = new OrdersApp();
        _ = app.ServerAddress;

        var report = app.Logs.Lines.Where(l => l.Contains($" {StartupReport.Category}: ", StringComparison.Ordinal)).ToList();
        Assert.Contains(report, l => l.Contains("Data directory: ", StringComparison.Ordinal));
        Assert.Contains(report, l => l.Contains("E-mails are written as .eml files to ", StringComparison.Ordinal));
        Assert.Contains(report, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("Payments go to the local sandbox", StringComparison.Ordinal));
    }

    // The feature's own registration, nothing else, on the zero-config settings.
    private static void ValidateAlone(string feature, string environment)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection([KeyValuePair.Create("Storage:DataDirectory", (string?)Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N")))]);
        switch (feature)
        {
            case "Hosting":
                builder.AddHosting();
                break;
            case "Licensing":
                builder.Services.AddLicensing(builder.Configuration);
                break;
            case "Orders":
                builder.Services.AddOrders(builder.Configuration);
                break;
            case "Payments":
                builder.Services.AddPayments(builder.Configuration);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(feature), feature, null);
        }

        using var provider = builder.Services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();
    }
}
