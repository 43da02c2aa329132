using System.Numerics;
using System.Security.Cryptography;

namespace Orders.Licensing;

// Key import and the signature details the format fixes: curve P-256, SHA-256, IEEE P1363 (r || s).
internal static class P256Keys
{
    public const int SignatureLength = 64;
    public const DSASignatureFormat SignatureFormat = DSASignatureFormat.IeeeP1363FixedFieldConcatenation;
    public static readonly HashAlgorithmName Hash = HashAlgorithmName.SHA256;

    private const string P256Oid = "1.2.840.10045.3.1.7";

    // The order n of the P-256 group. (r, s) and (r, n - s) are both valid ECDSA signatures of the
    // same message; keys always carry the lower s, so an issued key has exactly one valid text.
    private static readonly BigInteger Order = new(
        Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551"),
        isUnsigned: true, isBigEndian: true);

    private static readonly BigInteger HalfOrder = Order >> 1;

    public static bool IsP256(ECDsa key)
    {
        ECCurve curve = key.ExportParameters(includePrivateParameters: false).Curve;
        return curve.IsNamed
            && (curve.Oid.Value == P256Oid
                || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256" or "secp256r1" or "prime256v1");
    }

    public static void NormalizeToLowS(Span<byte> signature)
    {
        Span<byte> sBytes = signature[(SignatureLength / 2)..];
        var s = new BigInteger(sBytes, isUnsigned: true, isBigEndian: true);
        if (s <= HalfOrder)
        {
            return;
        }

        BigInteger low = Order - s;
        sBytes.Clear();
        int length = low.GetByteCount(isUnsigned: true);
        low.TryWriteBytes(sBytes[(sBytes.Length - length)..], out _, isUnsigned: true, isBigEndian: true);
    }

    public static bool HasLowS(ReadOnlySpan<byte> signature) =>
        new BigInteger(signature[(SignatureLength / 2)..], isUnsigned: true, isBigEndian: true) <= HalfOrder;

    // Throws ArgumentException (never CryptographicException) and never echoes the PEM text.
    public static ECDsa ImportPublicKeyPem(string? pem, string paramName)
    {
        byte[] der = ReadSinglePem(pem, paramName, out string label);
        if (label != "PUBLIC KEY")
        {
            throw new ArgumentException(label.Contains("PRIVATE", StringComparison.Ordinal)
                ? "This is a private key. Verification needs the public key (LicenseSigner.ExportPublicKeyPem); "
                  + "the private key must never be shipped with a program."
                : $"Expected a \"PUBLIC KEY\" PEM block, found \"{label}\".", paramName);
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(der, out int read);
            if (read != der.Length)
            {
                throw new ArgumentException("The public key PEM has extra data after the key.", paramName);
            }

            if (!IsP256(key))
            {
                throw new ArgumentException("The public key is not an ECDSA P-256 key.", paramName);
            }

            return key;
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new ArgumentException("The public key PEM does not hold a valid ECDSA public key.", paramName, ex);
        }
        catch (ArgumentException)
        {
            key.Dispose();
            throw;
        }
    }

    public static ECDsa ImportPrivateKeyPem(string? pem, string paramName)
    {
        byte[] der = ReadSinglePem(pem, paramName, out string label);
        var key = ECDsa.Create();
        try
        {
            int read;
            switch (label)
            {
                case "PRIVATE KEY":
                    key.ImportPkcs8PrivateKey(der, out read);
                    break;
                case "EC PRIVATE KEY":
                    key.ImportECPrivateKey(der, out read);
                    break;
                case "ENCRYPTED PRIVATE KEY":
                    throw new ArgumentException("The private key PEM is encrypted; pass the decrypted PKCS#8 key.", paramName);
                default:
                    throw new ArgumentException($"Expected a \"PRIVATE KEY\" (PKCS#8) PEM block, found \"{label}\".", paramName);
            }

            if (read != der.Length)
            {
                throw new ArgumentException("The private key PEM has extra data after the key.", paramName);
            }

            return key;
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new ArgumentException("The private key PEM does not hold a valid ECDSA private key.", paramName, ex);
        }
        catch (ArgumentException)
        {
            key.Dispose();
            throw;
        }
    }

    private static byte[] ReadSinglePem(string? pem, string paramName, out string label)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            throw new ArgumentException("The key PEM is empty.", paramName);
        }

        if (!PemEncoding.TryFind(pem, out PemFields fields))
        {
            throw new ArgumentException("The key is not PEM text (expected a -----BEGIN ...----- block).", paramName);
        }

        if (PemEncoding.TryFind(pem.AsSpan(fields.Location.End.GetOffset(pem.Length)), out _))
        {
            throw new ArgumentException("The key PEM text holds more than one PEM block.", paramName);
        }

        label = pem[fields.Label];
        byte[] der = new byte[fields.DecodedDataLength];
        if (!Convert.TryFromBase64Chars(pem.AsSpan()[fields.Base64Data], der, out int written) || written != der.Length)
        {
            throw new ArgumentException("The key PEM block is not valid base64.", paramName);
        }

        return der;
    }
}
