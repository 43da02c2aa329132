using System.Text;
using Orders.Licensing;
using Xunit;

namespace Orders.Licensing.Tests;

public sealed class KeyTextTests
{
    private static readonly LicenseSigner Signer = TestLicenses.NewSigner();
    private static readonly string PublicPem = Signer.ExportPublicKeyPem();
    private static readonly LicenseData License = TestLicenses.Sample();
    private static readonly string Key = Signer.Sign(License);

    [Fact]
    public void KeyWrappedByMailClientStillVerifies()
    {
        var wrapped = new StringBuilder("\r\n  ");
        for (int i = 0; i < Key.Length; i += 40)
        {
            wrapped.Append(Key.AsSpan(i, Math.Min(40, Key.Length - i))).Append("\r\n\t ");
        }

        AssertValid(wrapped.ToString());
    }

    [Fact]
    public void KeyWithSpacesNewlinesAndInvisibleCharactersEverywhereStillVerifies()
    {
        var noisy = new StringBuilder();
        string[] noise = [" ", "\n", "\r\n", "\t", "\u00A0", "\u200B", "\uFEFF", "\u00AD"];
        for (int i = 0; i < Key.Length; i++)
        {
            noisy.Append(Key[i]).Append(noise[i % noise.Length]);
        }

        AssertValid(noisy.ToString());
    }

    [Fact]
    public void KeyInLowerOrMixedCaseStillVerifies()
    {
        AssertValid(Key.ToLowerInvariant());
        AssertValid(string.Concat(Key.Select((c, i) => i % 2 == 0 ? char.ToLowerInvariant(c) : c)));
    }

    [Fact]
    public void KeyWithTypographicDashesStillVerifies()
    {
        AssertValid(Key.Replace('-', '\u2013'));
    }

    [Fact]
    public void KeyWithoutItsDashesIsMalformed()
    {
        AssertInvalid(Key.Replace("-", "", StringComparison.Ordinal), LicenseInvalidReason.Malformed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\r\n\t")]
    [InlineData("\u200B ")]
    public void MissingKeyIsEmpty(string? input)
    {
        LicenseVerification result = LicenseVerifier.Verify(input!, PublicPem);

        Assert.False(result.IsValid);
        Assert.True(result.Reason is LicenseInvalidReason.Empty or LicenseInvalidReason.Malformed, result.Reason.ToString());
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
        if (string.IsNullOrWhiteSpace(input))
        {
            Assert.Equal(LicenseInvalidReason.Empty, result.Reason);
        }
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("ORD1")]
    [InlineData("ORD1-")]
    [InlineData("ORD1-ABCDE")]
    [InlineData("ORD-ABCDE-12345")]
    [InlineData("XYZ1-ABCDE-12345")]
    [InlineData("ORD1-ABCDE--12345")]
    [InlineData("ORD1-ABCDE-1234!")]
    [InlineData("ORD1-ABCDE-OOOOO")]
    [InlineData("ORD1-ABCDE-12345-")]
    [InlineData("<html><body>ORD1-ABCDE</body></html>")]
    [InlineData("\0\0\0\0")]
    [InlineData("ORD1-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ")]
    public void GarbageIsMalformedWithAMessage(string input)
    {
        AssertInvalid(input, LicenseInvalidReason.Malformed);
    }

    [Fact]
    public void RandomJunkNeverThrowsAndNeverVerifies()
    {
        var random = new Random(12345);
        for (int i = 0; i < 2000; i++)
        {
            char[] chars = new char[random.Next(0, 600)];
            for (int j = 0; j < chars.Length; j++)
            {
                chars[j] = i % 2 == 0 ? "ORD1-0123456789ABCDEFGHJKMNPQRSTVWXYZ"[random.Next(37)] : (char)random.Next(0, 0xFFFF);
            }

            LicenseVerification result = LicenseVerifier.Verify((i % 4 == 0 ? "ORD1-" : "") + new string(chars), PublicPem);

            Assert.False(result.IsValid);
            Assert.False(string.IsNullOrWhiteSpace(result.Message));
        }
    }

    [Fact]
    public void HundredKilobyteInputIsMalformedWithoutBeingRead()
    {
        string huge = "ORD1-" + string.Concat(Enumerable.Repeat("ABCDE-", 100 * 1024 / 6));

        AssertInvalid(huge, LicenseInvalidReason.Malformed);
        Assert.Contains("too long", LicenseVerifier.Verify(huge, PublicPem).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryTruncationOfTheKeyIsMalformedOrEmpty()
    {
        for (int length = 0; length < Key.Length; length++)
        {
            string truncated = Key[..length];
            if (truncated.EndsWith('-'))
            {
                continue; // same data as one character shorter, plus a dangling dash (also Malformed)
            }

            LicenseVerification result = LicenseVerifier.Verify(truncated, PublicPem);

            Assert.False(result.IsValid);
            Assert.True(result.Reason is LicenseInvalidReason.Malformed or LicenseInvalidReason.Empty,
                $"truncated to {length}: {result.Reason} {result.Message}");
        }
    }

    [Fact]
    public void KeyWithExtraCharactersAtTheEndIsMalformed()
    {
        AssertInvalid(Key + "7", LicenseInvalidReason.Malformed);
        AssertInvalid(Key + "-77777", LicenseInvalidReason.Malformed);
    }

    [Fact]
    public void MissingCharacterInAGroupIsReportedByGroupNumber()
    {
        string[] groups = Key.Split('-');
        groups[2] = groups[2][..4];

        LicenseVerification result = LicenseVerifier.Verify(string.Join('-', groups), PublicPem);

        Assert.Equal(LicenseInvalidReason.Malformed, result.Reason);
        Assert.Equal("The key is not in the expected format (group 3 has 4 characters, expected 5).", result.Message);
    }

    [Theory]
    [InlineData('O', "digit 0")]
    [InlineData('I', "digit 1")]
    [InlineData('L', "digit 1")]
    [InlineData('U', "never appears")]
    public void LettersThatLookLikeDigitsAreRejectedWithAHint(char letter, string hint)
    {
        string[] groups = Key.Split('-');
        groups[4] = letter + groups[4][1..];

        LicenseVerification result = LicenseVerifier.Verify(string.Join('-', groups), PublicPem);

        Assert.Equal(LicenseInvalidReason.Malformed, result.Reason);
        Assert.Contains("group 5", result.Message, StringComparison.Ordinal);
        Assert.Contains(hint, result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('\u017F', 's')] // long s, whose invariant upper case is 'S'
    [InlineData('\u0131', 'i')] // dotless i, whose invariant upper case is 'I'
    [InlineData('\uFF21', 'a')] // full-width A
    public void NonAsciiLookalikeOfAKeyLetterIsMalformed(char lookalike, char letter)
    {
        int position = Key.IndexOf(char.ToUpperInvariant(letter), 5);
        if (position < 0)
        {
            position = 10;
        }

        string altered = string.Concat(Key.AsSpan(0, position), [lookalike], Key.AsSpan(position + 1));

        AssertInvalid(altered, LicenseInvalidReason.Malformed);
    }

    [Fact]
    public void KeyInAFutureFormatIsUnsupportedVersion()
    {
        LicenseVerification result = LicenseVerifier.Verify("ORD2" + Key[4..], PublicPem);

        Assert.Equal(LicenseInvalidReason.UnsupportedVersion, result.Reason);
        Assert.Contains("format 2", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyPrecededByOtherTextIsMalformed()
    {
        AssertInvalid("Your key: " + Key, LicenseInvalidReason.Malformed);
    }

    private static void AssertValid(string input)
    {
        LicenseVerification result = LicenseVerifier.Verify(input, PublicPem);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(License, result.License);
    }

    private static void AssertInvalid(string input, LicenseInvalidReason reason)
    {
        LicenseVerification result = LicenseVerifier.Verify(input, PublicPem);
        Assert.False(result.IsValid);
        Assert.Equal(reason, result.Reason);
        Assert.Null(result.License);
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
    }
}
