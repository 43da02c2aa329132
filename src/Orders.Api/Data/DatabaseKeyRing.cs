using System.Data.Common;
using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Orders.Api.Hosting;

namespace Orders.Api.Data;

// Keeps the Data Protection key ring in the orders database, so all instances behind the proxy
// share it (a form rendered by one instance is accepted by another) and it survives redeploys.
internal sealed class DatabaseKeyRing(Db db, TimeProvider time) : IXmlRepository
{
    private const string AllKeysSql = "SELECT xml FROM data_protection_keys ORDER BY id";

    private const string AllRowsSql = "SELECT id, xml FROM data_protection_keys ORDER BY id";

    private const string DeleteKeysSql = "DELETE FROM data_protection_keys WHERE id IN @Ids";

    private const string InsertKeySql = """
        INSERT INTO data_protection_keys (friendly_name, xml, created_at) VALUES (@FriendlyName, @Xml, @CreatedAt)
        """;

    // IXmlRepository is synchronous; it is called rarely (start-up, key rotation every 90 days).
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = db.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        return [.. connection.Query<string>(AllKeysSql).Select(XElement.Parse)];
    }

    // Once a certificate encrypts the ring, keys stored before in the clear (their master key is
    // readable in the XML) are deleted at start-up, before the ring is loaded: forms rendered under
    // them fail once and staff sign in again. Returns how many went.
    public int DeleteUnencryptedKeys()
    {
        using var connection = db.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
        var clear = connection.Query<(long Id, string Xml)>(AllRowsSql)
            .Where(row => XElement.Parse(row.Xml).DescendantsAndSelf().Any(e => e.Name.LocalName == "masterKey"))
            .Select(row => row.Id)
            .ToList();
        return clear.Count == 0 ? 0 : connection.Execute(DeleteKeysSql, new { Ids = clear });
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
        services.AddSingleton<DatabaseKeyRing>();
        services.AddOptions<KeyManagementOptions>()
            .Configure<DatabaseKeyRing>((options, ring) => options.XmlRepository = ring);
        services.AddStartupReport<EncryptedKeyRingStartupReport>();
        return services;
    }
}

internal sealed partial class EncryptedKeyRingStartupReport(IOptions<DataProtectionSettings> settings, DatabaseKeyRing ring) : IStartupReportSection
{
    public void Report(ILogger logger)
    {
        if (settings.Value.Encrypts && ring.DeleteUnencryptedKeys() is > 0 and var deleted)
        {
            LogUnencryptedKeysDeleted(logger, deleted);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleted {Count} Data Protection key(s) stored unencrypted before DataProtection:CertificatePath was set; forms open now must be sent again and staff sign in again")]
    private static partial void LogUnencryptedKeysDeleted(ILogger logger, int count);
}
