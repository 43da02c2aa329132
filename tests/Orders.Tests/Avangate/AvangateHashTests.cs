using Orders.Api.Payments.Avangate;

namespace Orders.Tests.Avangate;

// The vendor's worked examples (PROVIDERS.md 2.2, 2.3, 2.6, 2.7), computed by the service's code.
public sealed class AvangateHashTests
{
    [Fact]
    public void IpnFieldsAreLengthPrefixedByUtf8Bytes()
    {
        // SALEDATE, REFNO, REFNOEXT (empty), ORDERNO, ORDERSTATUS from the documentation's example.
        Assert.Equal("192016-06-01 12:22:097100003702138COMPLETE",
            AvangateHash.LengthPrefixed(["2016-06-01 12:22:09", "1000037", "", "13", "COMPLETE"]));
        Assert.Equal("10", AvangateHash.LengthPrefixed(["0"]));
        // "Zoë" is 3 characters but 4 UTF-8 bytes.
        Assert.Equal("4Zoë", AvangateHash.LengthPrefixed(["Zoë"]));
    }

    [Theory]
    [InlineData("md5", "<EPAYMENT>20050303123434|7bf97ed39681027d0c45aa45e3ea98f0</EPAYMENT>")]
    [InlineData("sha256", "<sig algo=\"sha256\" date=\"20050303123434\">ea6f44c39b3d204b59500998fcb9221c92744d9721a94b45fc6d5cda99980176</sig>")]
    [InlineData("sha3-256", "<sig algo=\"sha3-256\" date=\"20050303123434\">85180497aaaa4844a278b52b1ce257d2820dbf5857470a5f678fef2266d0d4a8</sig>")]
    public void IpnReadReceiptMatchesTheVendorsExample(string algorithmName, string expected)
    {
        var algorithm = algorithmName switch { "md5" => AvangateAlgorithm.Md5, "sha256" => AvangateAlgorithm.Sha256, _ => AvangateAlgorithm.Sha3_256 };
        if (algorithm == AvangateAlgorithm.Sha3_256)
        {
            Assert.SkipUnless(AvangateHash.Sha3Supported, "This platform's crypto library has no HMAC-SHA3-256.");
        }

        Assert.Equal(expected, AvangateHash.Receipt(algorithm, "AABBCCDDEEFF", ["1", "Software program", "20050303123434"], "20050303123434"));
    }

    [Fact]
    public void VerifonesOwnSampleWithKeyTestMatches()
    {
        Assert.Equal("3d7a5eb5557b70a80e5141c4fee0ed0d",
            AvangateHash.Hmac(AvangateAlgorithm.Md5, "test", "1116Software program14200503031234341420050303123434"));
    }

    [Fact]
    public void LicenseChangeReceiptMatchesTheVendorsExample()
    {
        Assert.Equal("<EPAYMENT>20081117145935|cb34fe2991668eb82364edf62f845a34</EPAYMENT>",
            AvangateHash.Receipt(AvangateAlgorithm.Md5, "AABBCCDDEEFF", ["3C343D0FAF", "2005-03-03"], "20081117145935"));
    }

    [Fact]
    public void BuyLinkSignatureMatchesTheComputedExample()
    {
        var source = AvangateHash.LengthPrefixed(["USD", "ORD-1001", "49.00", "Pro License", "1", "redirect", "https://shop.example.com/thanks", "digital"]);
        Assert.Equal("3USD8ORD-1001549.0011Pro License118redirect31https://shop.example.com/thanks7digital", source);
        Assert.Equal("fb6292e97e496652ade94edf985316d56dd74d8b71b2df67762730fdfdb2b716", AvangateHash.Hmac(AvangateAlgorithm.Sha256, "BUYLINKSECRET", source));
    }

    [Fact]
    public void HexComparisonIgnoresCaseButNothingElse()
    {
        Assert.True(AvangateHash.Matches("7bf97ed39681027d0c45aa45e3ea98f0", "7BF97ED39681027D0C45AA45E3EA98F0"));
        Assert.False(AvangateHash.Matches("7bf97ed39681027d0c45aa45e3ea98f0", "7bf97ed39681027d0c45aa45e3ea98f1"));
        Assert.False(AvangateHash.Matches("7bf97ed39681027d0c45aa45e3ea98f0", "7bf97ed39681027d0c45aa45e3ea98f"));
        Assert.False(AvangateHash.Matches("7bf97ed39681027d0c45aa45e3ea98f0", null));
    }

    [Fact]
    public void RawFormBodyKeepsOrderAndRepeatedArrayKeys()
    {
        var body = "REFNO=123&IPN_PID%5B%5D=1&IPN_PNAME%5B%5D=Zo%C3%AB+Pro&IPN_PID%5B%5D=2&EMPTY=&HASH=abc"u8.ToArray();
        var parsed = AvangateNotification.Parse(body)!;
        Assert.Equal(["REFNO", "IPN_PID[]", "IPN_PNAME[]", "IPN_PID[]", "EMPTY", "HASH"], parsed.Fields.Select(f => f.Key));
        Assert.Equal("Zoë Pro", parsed.FirstOf("IPN_PNAME"));
        Assert.Equal(["123", "1", "Zoë Pro", "2", ""], parsed.ValuesToSign());
    }
}
