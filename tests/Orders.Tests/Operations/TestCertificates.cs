using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orders.Tests.Operations;

// Self-signed RSA certificates for the Data Protection key ring (DataProtection:CertificatePath).
internal static class TestCertificates
{
    public const string Password = "test-password";

    public static string WritePkcs12(string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "data-protection.pfx");
        using var certificate = Create();
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pkcs12, Password));
        return path;
    }

    private static X509Certificate2 Create()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=Orders Data Protection", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(2));
    }
}
