using System.Data.Common;
using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Orders.Api.Data;

namespace Orders.Api.Hosting;

// Keeps the Data Protection key ring in the orders database, so all instances behind the proxy
// share it (a form rendered by one instance is accepted by another) and it survives redeploys.
internal sealed class DatabaseKeyRing(Db db, TimeProvider time) : IXmlRepository
{
    private const string AllKeysSql = "SELECT xml FROM data_protection_keys ORDER BY id";

    private const string InsertKeySql = """
        INSERT INTO data_protection_keys (friendly_name, xml, created_at) VALUES (@FriendlyName, @Xml, @CreatedAt)
        """;

    // IXmlRepository is synchronous; it is called rarely (start-up, key rotation every 90 days).
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = db.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        return [.. connection.Query<string>(AllKeysSql).Select(XElement.Parse)];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = db.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        try
        {
            connection.Execute(InsertKeySql, new { FriendlyName = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting), CreatedAt = time.GetUtcNow().UtcDateTime });
        }
        catch (DbException e) when (Db.IsUniqueViolation(e))
        {
            // Another instance stored this key first: nothing to add.
        }
    }
}

internal static class DatabaseKeyRingRegistration
{
    public static IServiceCollection AddDatabaseKeyRing(this IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("Orders");
        services.AddSingleton<DatabaseKeyRing>();
        services.AddOptions<KeyManagementOptions>()
            .Configure<DatabaseKeyRing>((options, ring) => options.XmlRepository = ring);
        return services;
    }
}
