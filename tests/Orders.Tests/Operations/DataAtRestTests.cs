using System.Net;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Dapper;
using Orders.Tests.Infrastructure;

namespace Orders.Tests.Operations;

public sealed partial class DataAtRestTests
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode Loose = UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task FreshDataFolderAndEveryFileInItAreOwnerOnly()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only.");
        await using var app = new OrdersApp();
        var shop = new Shop(app);
        var mail = await PurchaseAsync(shop);

        var files = FilesTheServiceWrote(app, mail);
        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(app.DataDirectory));
        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(app.OutboxDirectory));
        foreach (var file in files)
        {
            Assert.True(File.Exists(file), $"{Path.GetFileName(file)} should exist by now.");
            Assert.True(File.GetUnixFileMode(file) == OwnerOnlyFile, $"{Path.GetFileName(file)} is {File.GetUnixFileMode(file)}.");
        }
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task ExistingDataFolderReadableByOthersIsNarrowedAtStartUp()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only.");
        var dataDirectory = Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N"));
        string[] files;
        await using (var first = new OrdersApp(dataDirectory))
        {
            files = FilesTheServiceWrote(first, await PurchaseAsync(new Shop(first)));
        }

        // What an installation from before looked like: 0755 folders, 0644 files.
        File.SetUnixFileMode(dataDirectory, OwnerOnlyFolder | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.SetUnixFileMode(Path.Combine(dataDirectory, "outbox"), OwnerOnlyFolder | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        foreach (var file in files.Where(File.Exists))
        {
            File.SetUnixFileMode(file, OwnerOnlyFile | Loose);
        }

        await using var second = new OrdersApp(dataDirectory);
        _ = second.ServerAddress;

        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(dataDirectory));
        Assert.Equal(OwnerOnlyFolder, File.GetUnixFileMode(second.OutboxDirectory));
        foreach (var file in files.Where(File.Exists))
        {
            Assert.True(File.GetUnixFileMode(file) == OwnerOnlyFile, $"{Path.GetFileName(file)} is still {File.GetUnixFileMode(file)}.");
        }

        Assert.Contains(second.Logs.Lines, l => l.Contains("readable by the service's user only", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeyRingIsStoredEncryptedWithTheConfiguredCertificateAndFormsStillWork()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N"));
        var certificate = TestCertificates.WritePkcs12(dataDirectory + "-secrets");

        var settings = new Dictionary<string, string?> { ["DataProtection:CertificatePath"] = certificate, ["DataProtection:CertificatePassword"] = TestCertificates.Password };
        await using var first = new OrdersApp(dataDirectory, settings);
        await using var second = new OrdersApp(dataDirectory, new(settings) { ["Jobs:RunServer"] = "false" });

        // Rendered by one instance, accepted by another: the second reads the key from the database
        // and must decrypt it with the certificate.
        using var form = await first.Http().GetAsync("/buy/PHOTOSHRINK-PRO");
        var token = AntiforgeryField().Match(await form.Content.ReadAsStringAsync()).Groups[1].Value;
        var cookie = form.Headers.GetValues("Set-Cookie").First().Split(';')[0];
        using var post = new HttpRequestMessage(HttpMethod.Post, "/buy/PHOTOSHRINK-PRO")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = token,
                ["email"] = "ada@example.com",
                ["licenseeName"] = "Ada Lovelace",
                ["quantity"] = "1",
                ["provider"] = "paypal",
            }),
        };
        post.Headers.Add("Cookie", cookie);
        using var response = await second.Http().SendAsync(post);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);

        await using var connection = await first.Db.OpenAsync(CancellationToken.None);
        var keys = (await connection.QueryAsync<string>("SELECT xml FROM data_protection_keys WHERE xml LIKE '<key %'")).ToList();
        Assert.NotEmpty(keys);
        foreach (var xml in keys)
        {
            Assert.Contains("<encryptedSecret", xml, StringComparison.Ordinal);
            Assert.Contains("EncryptedXmlDecryptor", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(first.Logs.Lines, l => l.Contains("stored unencrypted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task KeysStoredUnencryptedBeforeACertificateWasConfiguredAreDeletedAtStartUp()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "orders-tests", Guid.NewGuid().ToString("N"));
        await using (var before = new OrdersApp(dataDirectory))
        {
            (await before.Http().GetAsync("/buy/PHOTOSHRINK-PRO")).Dispose();
            await using var connection = await before.Db.OpenAsync(CancellationToken.None);
            Assert.Contains(await connection.QueryAsync<string>("SELECT xml FROM data_protection_keys"), xml => xml.Contains("<masterKey", StringComparison.Ordinal));
        }

        await using var after = new OrdersApp(dataDirectory, new()
        {
            ["DataProtection:CertificatePath"] = TestCertificates.WritePkcs12(dataDirectory + "-secrets"),
            ["DataProtection:CertificatePassword"] = TestCertificates.Password,
        });
        using (var form = await after.Http().GetAsync("/buy/PHOTOSHRINK-PRO"))
        {
            Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        }

        await using (var connection = await after.Db.OpenAsync(CancellationToken.None))
        {
            var keys = (await connection.QueryAsync<string>("SELECT xml FROM data_protection_keys")).ToList();
            Assert.NotEmpty(keys);
            Assert.DoesNotContain(keys, xml => xml.Contains("<masterKey", StringComparison.Ordinal));
        }

        Assert.Contains(after.Logs.Lines, l => l.Contains("Deleted 1 Data Protection key(s) stored unencrypted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithoutACertificateTheUnencryptedKeyRingIsExplainedInOneLineInsteadOfTheFrameworksWarning()
    {
        await using var app = new OrdersApp();
        using var form = await app.Http().GetAsync("/buy/PHOTOSHRINK-PRO");
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);

        Assert.Single(app.Logs.Lines, l => l.Contains("stored unencrypted in the orders database: set DataProtection:CertificatePath", StringComparison.Ordinal));
        Assert.DoesNotContain(app.Logs.Lines, l => l.Contains("No XML encryptor configured", StringComparison.Ordinal));
    }

    private static async Task<string> PurchaseAsync(Shop shop)
    {
        var checkout = await shop.CheckoutAsync();
        var returnUrl = await shop.ApproveAsync(checkout);
        (await shop.Http.GetAsync(returnUrl.PathAndQuery)).Dispose();
        return Assert.Single(await shop.WaitForMailsAsync(checkout.OrderNumber));
    }

    // The database and the WAL and shared-memory files SQLite made next to it, the generated
    // secrets and an e-mail in the pickup folder.
    private static string[] FilesTheServiceWrote(OrdersApp app, string mail) =>
    [
        app.DatabasePath, app.DatabasePath + "-wal", app.DatabasePath + "-shm",
        Path.Combine(app.DataDirectory, "license-signing-key.pem"), Path.Combine(app.DataDirectory, "token-secret"),
        mail,
    ];

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
