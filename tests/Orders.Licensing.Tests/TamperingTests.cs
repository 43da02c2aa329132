using System.Numerics;
using System.Text;
using Orders.Licensing;
using Xunit;

namespace Orders.Licensing.Tests;

public sealed class TamperingTests
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    [Fact]
    public void EveryChangedCharacterAtEveryPositionFailsVerification()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("k1");
        string publicPem = signer.ExportPublicKeyPem();
        var keysById = new Dictionary<string, string> { ["k1"] = publicPem };
        string key = signer.Sign(TestLicenses.Sample());
        var accepted = new List<string>();
        var reasons = new HashSet<LicenseInvalidReason>();
        int attempts = 0;

        for (int position = 0; position < key.Length; position++)
        {
            foreach (char replacement in Alphabet + "-")
            {
                if (replacement == key[position])
                {
                    continue;
                }

                string altered = string.Concat(key.AsSpan(0, position), [replacement], key.AsSpan(position + 1));
                LicenseVerification single = LicenseVerifier.Verify(altered, publicPem);
                LicenseVerification byId = LicenseVerifier.Verify(altered, keysById);
                attempts++;
                if (single.IsValid || byId.IsValid)
                {
                    accepted.Add(altered);
                }

                Assert.NotEqual(LicenseInvalidReason.None, single.Reason);
                Assert.False(string.IsNullOrWhiteSpace(single.Message));
                reasons.Add(single.Reason);
            }
        }

        Assert.True(attempts >= key.Length * 32, $"only {attempts} alterations were tried");
        Assert.Empty(accepted);
        Assert.Contains(LicenseInvalidReason.BadSignature, reasons);
        Assert.Contains(LicenseInvalidReason.Malformed, reasons);
    }

    [Fact]
    public void SwappingTwoNeighbouringCharactersFailsVerification()
    {
        using LicenseSigner signer = TestLicenses.NewSigner();
        string publicPem = signer.ExportPublicKeyPem();
        string key = signer.Sign(TestLicenses.Sample());

        for (int i = 0; i + 1 < key.Length; i++)
        {
            if (key[i] == key[i + 1])
            {
                continue;
            }

            char[] chars = key.ToCharArray();
            (chars[i], chars[i + 1]) = (chars[i + 1], chars[i]);

            Assert.False(LicenseVerifier.Verify(new string(chars), publicPem).IsValid, $"swap at {i} verified");
        }
    }

    [Fact]
    public void SecondSignatureFormWithHighSIsRejected()
    {
        // ECDSA accepts (r, n - s) as well as (r, s); keys carry only the low s, so no second valid
        // text can be derived from an issued key.
        using LicenseSigner signer = TestLicenses.NewSigner();
        string key = signer.Sign(TestLicenses.Sample());
        Assert.True(LicenseKeyFormat.TryDecode(key, out DecodedKey? decoded, out _));
        var order = new BigInteger(
            Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"), isUnsigned: true, isBigEndian: true);
        byte[] signature = decoded.Signature.ToArray();
        BigInteger highS = order - new BigInteger(signature.AsSpan(32), isUnsigned: true, isBigEndian: true);
        signature.AsSpan(32).Clear();
        highS.TryWriteBytes(signature.AsSpan(64 - highS.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        string malleated = LicenseKeyFormat.ToText(decoded.SignedMessage.AsSpan(Encoding.ASCII.GetByteCount("ORD1")), signature);

        LicenseVerification result = LicenseVerifier.Verify(malleated, signer.ExportPublicKeyPem());

        Assert.NotEqual(key, malleated);
        Assert.Equal(LicenseInvalidReason.BadSignature, result.Reason);
    }
}
