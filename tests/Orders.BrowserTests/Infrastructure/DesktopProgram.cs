using System.Net.Http.Json;
using System.Text.Json;
using Orders.Licensing;

namespace Orders.BrowserTests.Infrastructure;

// What the vendor's desktop program does with Orders.Licensing: it knows the published public keys,
// fetches the signed revocation list now and then, keeps the last good one (never going back to an
// older list), and checks the customer's key offline against it.
public sealed class DesktopProgram(OrdersApp app)
{
    private Dictionary<string, string> publicKeys = [];

    public RevocationList? Revocations { get; private set; }

    public async Task FetchRevocationsAsync()
    {
        using var http = new HttpClient { BaseAddress = app.ServerAddress };
        if (publicKeys.Count == 0)
        {
            var keys = await http.GetFromJsonAsync<JsonElement>("/api/licenses/public-keys");
            publicKeys = keys.EnumerateArray().ToDictionary(k => k.GetProperty("keyId").GetString()!, k => k.GetProperty("publicKeyPem").GetString()!);
        }

        var bytes = await http.GetByteArrayAsync("/api/licenses/revocations");
        var accepted = RevocationList.Accept(bytes, publicKeys, Revocations);
        Assert.True(accepted.IsValid, $"The program refused the revocation list: {accepted.Message}");
        Revocations = accepted.List;
    }

    public LicenseVerification Check(string licenseKey) => LicenseVerifier.Verify(licenseKey, publicKeys, Revocations);
}
