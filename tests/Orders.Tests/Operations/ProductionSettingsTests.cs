using System.Net;
using System.Text.Json;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Operations;

public sealed class ProductionSettingsTests
{
    [Fact]
    public void ProductionRefusesToStartWithoutAPublicBaseUrlNamingTheKey()
    {
        var settings = ProductionSettings();
        settings.Remove("App:PublicBaseUrl");
        using var app = new OrdersApp(settings: settings) { UseProductionEnvironment = true };

        var message = Assert.ThrowsAny<Exception>(() => app.Http()).ToString();
        Assert.Contains("Refusing to start in Production", message, StringComparison.Ordinal);
        Assert.Contains("App:PublicBaseUrl", message, StringComparison.Ordinal);
        Assert.DoesNotContain("DataProtection:CertificatePath", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProductionRefusesToStartWithoutADataProtectionCertificateNamingTheKey()
    {
        var settings = ProductionSettings();
        settings.Remove("DataProtection:CertificatePath");
        using var app = new OrdersApp(settings: settings) { UseProductionEnvironment = true };

        var message = Assert.ThrowsAny<Exception>(() => app.Http()).ToString();
        Assert.Contains("DataProtection:CertificatePath", message, StringComparison.Ordinal);
        Assert.DoesNotContain("App:PublicBaseUrl", message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnreadableDataProtectionCertificateFailsStartUpNamingTheKey()
    {
        var settings = ProductionSettings();
        settings["DataProtection:CertificatePassword"] = "wrong-password";
        using var app = new OrdersApp(settings: settings) { UseProductionEnvironment = true };

        var message = Assert.ThrowsAny<Exception>(() => app.Http()).ToString();
        Assert.Contains("DataProtection:CertificatePath: the certificate could not be loaded", message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApiDocumentInProductionLeavesOutTheStaffRoutes()
    {
        await using var app = new OrdersApp(settings: ProductionSettings()) { UseProductionEnvironment = true };
        var paths = await DocumentedPathsAsync(app);

        Assert.Contains("/api/checkout", paths);
        Assert.Contains("/api/orders/{orderNumber}", paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("/api/support", StringComparison.Ordinal));
        Assert.DoesNotContain(paths, p => p.StartsWith("/sandbox", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenApiDocumentOutsideProductionStillDescribesTheStaffRoutes()
    {
        await using var app = new OrdersApp();
        var paths = await DocumentedPathsAsync(app);

        Assert.Contains(paths, p => p.StartsWith("/api/support/customers", StringComparison.Ordinal));
    }

    private static async Task<List<string>> DocumentedPathsAsync(OrdersApp app)
    {
        using var response = await app.Http().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.ReadAsync<JsonElement>();
        return [.. document.GetProperty("paths").EnumerateObject().Select(p => p.Name)];
    }

    // Everything Production requires, on SQLite with e-mails to the pickup folder (nothing here
    // talks to PayPal at start-up).
    [Fact]
    public void ProductionOnPostgreSqlRefusesToStartWithoutAConnectionStringNamingTheKey()
    {
        var settings = ProductionSettings();
        settings["Database:Provider"] = "PostgreSql";
        using var app = new OrdersApp(settings: settings) { UseProductionEnvironment = true };

        var message = Assert.ThrowsAny<Exception>(() => app.Http()).ToString();
        Assert.Contains("Refusing to start in Production", message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:Orders must be set when Database:Provider is SqlServer or PostgreSql", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProductionOnPostgreSqlRefusesAConnectionStringThatIsNotNpgsqls()
    {
        var settings = ProductionSettings();
        settings["Database:Provider"] = "PostgreSql";
        settings["ConnectionStrings:Orders"] = "Data Source=orders.db";
        using var app = new OrdersApp(settings: settings) { UseProductionEnvironment = true };

        var message = Assert.ThrowsAny<Exception>(() => app.Http()).ToString();
        Assert.Contains("ConnectionStrings:Orders is not an Npgsql connection string", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProductionStartsOnPostgreSqlLikeOnSqlServer()
    {
        if (DatabaseUnderTest.PostgreSqlServer is null)
        {
            Assert.Skip($"{DatabaseUnderTest.PostgreSqlVariable} is not set: no PostgreSQL cluster to start on.");
        }

        var database = PostgreSqlDatabases.Create();
        var settings = ProductionSettings();
        settings["Database:Provider"] = "PostgreSql";
        settings["ConnectionStrings:Orders"] = database.ConnectionString;
        try
        {
            await using var app = new OrdersApp(settings: settings) { UseProductionEnvironment = true };
            using var http = app.Http();
            using var ready = await http.GetAsync("/health/ready");
            Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
        }
        finally
        {
            await database.DropAsync();
        }
    }

    private static Dictionary<string, string?> ProductionSettings() => new()
    {
        ["PayPal:BaseUrl"] = "https://api-m.paypal.com",
        ["PayPal:ClientId"] = "live-client",
        ["PayPal:ClientSecret"] = "live-secret",
        ["PayPal:WebhookId"] = "WH-LIVE",
        ["Licensing:SigningKeyPem"] = Orders.Licensing.LicenseSigner.GeneratePrivateKeyPem(),
        ["Security:TokenSecret"] = new string('s', 40),
        ["App:PublicBaseUrl"] = "https://shop.example.com",
        ["DataProtection:CertificatePath"] = TestCertificates.WritePkcs12(Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N") + "-secrets")),
        ["DataProtection:CertificatePassword"] = TestCertificates.Password,
    };
}
