using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Orders.Licensing;
using Xunit;

namespace Orders.Licensing.Tests;

public sealed class RevocationListTests
{
    private static readonly DateTimeOffset Issued = new(2026, 12, 6, 4, 30, 15, 123, TimeSpan.Zero);

    [Fact]
    public void AListRoundTripsThroughItsBytesWithItsIdsSortedAndOnce()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("k1");
        RevocationList made = RevocationList.Create(signer, 42, Issued, ["LIC-B", "LIC-A", "LIC-C", "LIC-A"]);

        RevocationListVerification read = RevocationList.Verify(made.ToArray(), signer.ExportPublicKeyPem());

        Assert.True(read.IsValid, read.Message);
        Assert.Equal(RevocationListInvalidReason.None, read.Reason);
        RevocationList list = read.List!;
        Assert.Equal("k1", list.KeyId);
        Assert.Equal(42, list.Sequence);
        Assert.Equal(Issued, list.IssuedAt);
        Assert.Equal(["LIC-A", "LIC-B", "LIC-C"], list.RevokedLicenseIds);
        Assert.Equal(made.ToArray(), list.ToArray());
        Assert.True(list.IsRevoked("LIC-B"));
        Assert.False(list.IsRevoked("LIC-b"));
        Assert.False(list.IsRevoked("LIC-D"));
    }

    [Fact]
    public void TheBytesAreExactlyTheDocumentedFormat()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("k1");
        byte[] bytes = RevocationList.Create(signer, 7, Issued, ["LIC-2", "LIC-1"]).ToArray();

        var expected = new List<byte>();
        expected.AddRange("ORL1"u8.ToArray());
        expected.Add(2);
        expected.AddRange("k1"u8.ToArray());
        expected.AddRange(BigEndian((ulong)7));
        expected.AddRange(BigEndian((ulong)Issued.ToUnixTimeMilliseconds()));
        expected.AddRange([0, 0, 0, 2]);
        expected.Add(5);
        expected.AddRange("LIC-1"u8.ToArray());
        expected.Add(5);
        expected.AddRange("LIC-2"u8.ToArray());
        Assert.Equal(expected.Count + 64, bytes.Length);
        Assert.Equal(expected, bytes[..^64]);

        // The signature covers every byte before it, in IEEE P1363 form.
        using var publicKey = ECDsa.Create();
        publicKey.ImportFromPem(signer.ExportPublicKeyPem());
        Assert.True(publicKey.VerifyData(bytes.AsSpan(..^64), bytes.AsSpan(^64..), HashAlgorithmName.SHA256,
            DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
    }

    [Fact]
    public void AnEmptyListIsAValidList()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("k1");
        RevocationListVerification read = RevocationList.Verify(RevocationList.Create(signer, 0, Issued, []).ToArray(), signer.ExportPublicKeyPem());

        Assert.True(read.IsValid, read.Message);
        Assert.Empty(read.List!.RevokedLicenseIds);
        Assert.Equal(0, read.List.Sequence);
    }

    [Fact]
    public void EveryChangedByteAtEveryPositionIsRefused()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("k1");
        using var ring = new LicenseKeyRing(new Dictionary<string, string> { ["k1"] = signer.ExportPublicKeyPem() });
        byte[] bytes = RevocationList.Create(signer, 3, Issued, ["LIC-7K3QXW2M9RD4TB8ZHJ5N", "LIC-AAAA"]).ToArray();

        for (int position = 0; position < bytes.Length; position++)
        {
            foreach (byte flip in (byte[])[0x01, 0x80, 0xFF])
            {
                byte[] altered = (byte[])bytes.Clone();
                altered[position] ^= flip;
                RevocationListVerification result = RevocationList.Verify(altered, ring);
                Assert.False(result.IsValid, $"a list with byte {position} changed was accepted");
                Assert.Null(result.List);
                Assert.NotEqual(RevocationListInvalidReason.None, result.Reason);
            }
        }
    }

    [Fact]
    public void AListMadeWithAnotherKeyIsRefused()
    {
        using LicenseSigner vendor = TestLicenses.NewSigner("k1");
        using LicenseSigner impostor = TestLicenses.NewSigner("k1");
        byte[] forged = RevocationList.Create(impostor, 9, Issued, ["LIC-A"]).ToArray();

        RevocationListVerification result = RevocationList.Verify(forged, new Dictionary<string, string> { ["k1"] = vendor.ExportPublicKeyPem() });

        Assert.False(result.IsValid);
        Assert.Equal(RevocationListInvalidReason.BadSignature, result.Reason);
        Assert.Equal("k1", result.KeyId);
    }

    [Fact]
    public void AListSignedWithAnUnknownKeyIdIsRefusedNamingTheKeysTheProgramKnows()
    {
        using LicenseSigner known = TestLicenses.NewSigner("k1");
        using LicenseSigner other = TestLicenses.NewSigner("k2099");
        byte[] list = RevocationList.Create(other, 1, Issued, ["LIC-A"]).ToArray();

        RevocationListVerification result = RevocationList.Verify(list, new Dictionary<string, string> { ["k1"] = known.ExportPublicKeyPem() });

        Assert.False(result.IsValid);
        Assert.Equal(RevocationListInvalidReason.UnknownKeyId, result.Reason);
        Assert.Equal("k2099", result.KeyId);
        Assert.Contains("it knows: k1", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MalformedListsAreRefusedWithAReasonAndNeverThrow()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("k1");
        using var ring = new LicenseKeyRing(new Dictionary<string, string> { ["k1"] = signer.ExportPublicKeyPem() });
        byte[] good = RevocationList.Create(signer, 5, Issued, ["LIC-A", "LIC-B"]).ToArray();

        Assert.Equal(RevocationListInvalidReason.Empty, RevocationList.Verify([], ring).Reason);
        Assert.Equal(RevocationListInvalidReason.Empty, RevocationList.Verify(null, ring).Reason);
        Assert.Equal(RevocationListInvalidReason.Malformed, RevocationList.Verify("hello, world"u8.ToArray(), ring).Reason);
        Assert.Equal(RevocationListInvalidReason.Malformed, RevocationList.Verify(Encoding.ASCII.GetBytes("ORD1-0SNK4-C1J6S"), ring).Reason);
        Assert.Equal(RevocationListInvalidReason.UnsupportedVersion, RevocationList.Verify([.. "ORL2"u8, .. good[4..]], ring).Reason);
        Assert.Equal(RevocationListInvalidReason.Malformed, RevocationList.Verify([.. good, 0], ring).Reason);
        for (int length = 1; length < good.Length; length++)
        {
            RevocationListVerification cut = RevocationList.Verify(good[..length], ring);
            Assert.False(cut.IsValid);
        }

        // A count far beyond what the bytes hold is refused before anything is allocated for it.
        byte[] huge = (byte[])good.Clone();
        int countAt = 4 + 1 + 2 + 8 + 8;
        BinaryPrimitives.WriteUInt32BigEndian(huge.AsSpan(countAt), uint.MaxValue);
        Assert.Equal(RevocationListInvalidReason.Malformed, RevocationList.Verify(huge, ring).Reason);
    }

    [Fact]
    public void CorrectlySignedListsWithIdsOutOfOrderOrRepeatedAreRefused()
    {
        using ECDsa key = ECDsa.Create();
        key.ImportFromPem(LicenseSigner.GeneratePrivateKeyPem());
        using var ownSigner = new LicenseSigner(key, "k1");
        string publicPem = ownSigner.ExportPublicKeyPem();

        foreach (string[] ids in (string[][])[["LIC-B", "LIC-A"], ["LIC-A", "LIC-A"]])
        {
            byte[] list = SignUnchecked(key, "k1", 1, ids);
            RevocationListVerification result = RevocationList.Verify(list, publicPem);
            Assert.Equal(RevocationListInvalidReason.Malformed, result.Reason);
        }

        Assert.True(RevocationList.Verify(SignUnchecked(key, "k1", 1, ["LIC-A", "LIC-B"]), publicPem).IsValid);
    }

    [Fact]
    public void AProgramRefusesAnOlderListThanTheLastGoodOneAndKeepsThatOne()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("k1");
        using var ring = new LicenseKeyRing(new Dictionary<string, string> { ["k1"] = signer.ExportPublicKeyPem() });
        byte[] older = RevocationList.Create(signer, 4, Issued, ["LIC-A"]).ToArray();
        byte[] newer = RevocationList.Create(signer, 5, Issued.AddHours(1), ["LIC-A", "LIC-B"]).ToArray();

        RevocationListVerification first = RevocationList.Accept(newer, ring, lastGood: null);
        Assert.True(first.IsValid, first.Message);
        RevocationList lastGood = first.List!;

        RevocationListVerification replayed = RevocationList.Accept(older, ring, lastGood);
        Assert.False(replayed.IsValid);
        Assert.Equal(RevocationListInvalidReason.Older, replayed.Reason);
        Assert.Null(replayed.List);
        Assert.Contains("older", replayed.Message, StringComparison.Ordinal);

        RevocationListVerification same = RevocationList.Accept(newer, ring, lastGood);
        Assert.True(same.IsValid, same.Message);
        Assert.True(RevocationList.Accept(RevocationList.Create(signer, 6, Issued, ["LIC-A", "LIC-B"]).ToArray(), ring, lastGood).IsValid);

        // A tampered list is refused before its sequence is looked at.
        byte[] tampered = (byte[])newer.Clone();
        tampered[^1] ^= 1;
        Assert.Equal(RevocationListInvalidReason.BadSignature, RevocationList.Accept(tampered, ring, lastGood).Reason);
        Assert.True(lastGood.IsOlderThan(RevocationList.Verify(RevocationList.Create(signer, 6, Issued, []).ToArray(), ring).List));
        Assert.False(lastGood.IsOlderThan(null));
    }

    [Fact]
    public void TheVerifierRefusesAGenuineKeyWhoseLicenseIsOnTheList()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("k1");
        string publicPem = signer.ExportPublicKeyPem();
        var keysById = new Dictionary<string, string> { ["k1"] = publicPem };
        using var ring = new LicenseKeyRing(keysById);
        string revokedKey = signer.Sign(TestLicenses.Sample());
        string keptKey = signer.Sign(TestLicenses.Sample() with { LicenseId = "LIC-KEPT" });
        RevocationList list = RevocationList.Verify(
            RevocationList.Create(signer, 1, Issued, [TestLicenses.Sample().LicenseId, "LIC-OTHER"]).ToArray(), ring).List!;

        foreach (LicenseVerification revoked in (LicenseVerification[])[
            LicenseVerifier.Verify(revokedKey, publicPem, list),
            LicenseVerifier.Verify(revokedKey, keysById, list),
            ring.Verify(revokedKey, list)])
        {
            Assert.False(revoked.IsValid);
            Assert.Equal(LicenseInvalidReason.Revoked, revoked.Reason);
            Assert.Null(revoked.License);
            Assert.Equal("k1", revoked.KeyId);
            Assert.StartsWith("This license was revoked by the vendor", revoked.Message, StringComparison.Ordinal);
        }

        Assert.True(ring.Verify(keptKey, list).IsValid);
        Assert.True(ring.Verify(revokedKey, revocations: null).IsValid);
        Assert.True(LicenseVerifier.Verify(revokedKey, publicPem).IsValid);

        // A forged key is reported as forged, whatever the list says.
        using LicenseSigner impostor = TestLicenses.NewSigner("k1");
        Assert.Equal(LicenseInvalidReason.BadSignature, ring.Verify(impostor.Sign(TestLicenses.Sample()), list).Reason);
    }

    [Fact]
    public void CreateRefusesWhatTheFormatCannotCarry()
    {
        using LicenseSigner signer = TestLicenses.NewSigner("k1");

        Assert.Throws<ArgumentOutOfRangeException>(() => RevocationList.Create(signer, -1, Issued, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => RevocationList.Create(signer, 1, new DateTimeOffset(1969, 12, 31, 0, 0, 0, TimeSpan.Zero), []));
        Assert.Throws<ArgumentException>(() => RevocationList.Create(signer, 1, Issued, ["LIC A"]));
        Assert.Throws<ArgumentException>(() => RevocationList.Create(signer, 1, Issued, [new string('A', 41)]));
        Assert.Throws<ArgumentException>(() => RevocationList.Create(signer, 1, Issued, [""]));
    }

    private static byte[] BigEndian(ulong value)
    {
        byte[] bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        return bytes;
    }

    // A validly signed list in the documented layout, whatever the order of its ids.
    private static byte[] SignUnchecked(ECDsa key, string keyId, ulong sequence, string[] ids)
    {
        var message = new List<byte>();
        message.AddRange("ORL1"u8.ToArray());
        message.Add((byte)keyId.Length);
        message.AddRange(Encoding.ASCII.GetBytes(keyId));
        message.AddRange(BigEndian(sequence));
        message.AddRange(BigEndian((ulong)Issued.ToUnixTimeMilliseconds()));
        byte[] count = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(count, (uint)ids.Length);
        message.AddRange(count);
        foreach (string id in ids)
        {
            message.Add((byte)id.Length);
            message.AddRange(Encoding.ASCII.GetBytes(id));
        }

        byte[] signature = key.SignData([.. message], HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        P256Keys.NormalizeToLowS(signature);
        return [.. message, .. signature];
    }
}
