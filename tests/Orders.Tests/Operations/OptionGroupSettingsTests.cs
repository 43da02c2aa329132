using Orders.Tests.Infrastructure;

namespace Orders.Tests.Operations;

// Every option group is checked at start-up, in every environment: a wrong or missing value stops
// the service with a message naming the setting, instead of a 500 on the first request that needs
// it (or a silently wrong behaviour). The payment providers' rules are in ProviderSettingsTests.
public sealed class OptionGroupSettingsTests
{
    [Theory]
    [InlineData("Mail:Mode=Smtp", "Mail:Host")]
    [InlineData("Mail:ClaimLength=00:00:00", "Mail:ClaimLength")]
    [InlineData("Licensing:KeyId=not a key id", "Licensing:KeyId")]
    [InlineData("Database:Provider=Oracle", "Database:Provider")]
    [InlineData("Database:Provider=SqlServer", "ConnectionStrings:Orders")]
    [InlineData("Privacy:NoticeBatchSize=0", "Privacy:NoticeBatchSize")]
    [InlineData("Shop:LogoUrl=http://example.com/logo.png", "Shop:LogoUrl")]
    [InlineData("Catalog:Products:0:PriceMinor=0", "Catalog:Products")]
    [InlineData("Jobs:WorkerCount=0", "Jobs:WorkerCount")]
    [InlineData("Jobs:RunServer=sometimes", "Jobs:RunServer")]
    [InlineData("Telemetry:OtlpEndpoint=collector:4317", "Telemetry:OtlpEndpoint")]
    [InlineData("RateLimits:CheckoutPerMinute=0", "RateLimits:CheckoutPerMinute")]
    [InlineData("ForwardedHeaders:KnownNetworks:0=10.0.0.0/99", "ForwardedHeaders:KnownNetworks")]
    [InlineData("ForwardedHeaders:KnownProxies:0=proxy.local", "ForwardedHeaders:KnownProxies")]
    [InlineData("Support:IdleTimeout=00:00:00", "Support:IdleTimeout")]
    [InlineData("Security:TokenSecret=short", "Security:TokenSecret")]
    [InlineData("Maintenance:ReconcileAfter=30.00:00:00", "Maintenance:ReconcileAfter")]
    [InlineData("RequestLog:Interval=00:00:00", "RequestLog:Interval")]
    [InlineData("App:PublicBaseUrl=shop.example.com", "App:PublicBaseUrl")]
    [InlineData("Stripe:SessionLifetime=00:01:00", "Stripe:SessionLifetime")]
    // Sandbox off and no provider configured: nothing could be sold.
    [InlineData("Sandbox:Enabled=false", "Sandbox:Enabled")]
    public void AWrongOrMissingSettingRefusesToStartNamingIt(string settings, string key)
    {
        using var app = new OrdersApp(settings: Parse(settings));
        var message = Assert.ThrowsAny<Exception>(() => app.Http()).ToString();
        Assert.Contains(key, message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADataDirectoryThatIsAFileRefusesToStartNamingStorageDataDirectory()
    {
        var file = Path.GetTempFileName();
        try
        {
            using var app = new OrdersApp(dataDirectory: file);
            var message = Assert.ThrowsAny<Exception>(() => app.Http()).ToString();
            Assert.Contains("Storage:DataDirectory", message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static Dictionary<string, string?> Parse(string settings) =>
        settings.Split(';').Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => (string?)p[1]);
}
