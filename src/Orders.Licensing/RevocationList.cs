// License revocation list format, version 1.
//
// The vendor's shop publishes which licenses it revoked (refund, chargeback, staff revocation) as one
// signed file; a program downloads it now and then, keeps the last good one and checks its own key
// against it offline. The file holds license ids only (the random id a key carries), never anything
// about a person. It is binary, about 25 bytes per revoked license plus about 90 bytes.
//
// Binary, big-endian; every field is fixed by the content, so a list has exactly one encoding:
//   4 bytes              magic          ASCII "ORL1" (format 1)
//   u8  length + ASCII   key id         which vendor key signed it (the rules of a key's key id)
//   u64                  sequence       0 to 2^63 - 1; grows with every revocation, never goes back
//   u64                  issued at      Unix time in milliseconds (UTC): when the list reached this sequence
//   u32                  count
//   count × (u8 length + ASCII)         revoked license ids (the rules of a key's license id), strictly
//                                       ascending in byte order, so no id appears twice
//   64 bytes             signature      ECDSA P-256 / SHA-256, IEEE P1363 r || s, with s <= n/2
//
// The signature covers every byte before it, the magic included. A license key's signed message
// starts with "ORD1", so neither can be passed off as the other. Nothing may follow the signature.

using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Orders.Licensing;

/// <summary>Why a revocation list was not accepted.</summary>
public enum RevocationListInvalidReason
{
    /// <summary>The list is valid.</summary>
    None,

    /// <summary>No bytes at all.</summary>
    Empty,

    /// <summary>Not a revocation list, or a damaged or truncated one.</summary>
    Malformed,

    /// <summary>A revocation list of a later format than this library reads.</summary>
    UnsupportedVersion,

    /// <summary>Signed with a vendor key the program does not know.</summary>
    UnknownKeyId,

    /// <summary>The signature does not match: the list was altered or was not made by the vendor.</summary>
    BadSignature,

    /// <summary>Genuine, but older than the last good list the program kept.</summary>
    Older,
}

/// <summary>
/// The outcome of checking a revocation list. <see cref="List"/> is set only when it is valid;
/// <see cref="KeyId"/> is the signing key id read from the list, when it could be read;
/// <see cref="Message"/> says in plain English why a list is not valid.
/// </summary>
public sealed record RevocationListVerification(
    bool IsValid,
    RevocationList? List,
    string? KeyId,
    RevocationListInvalidReason Reason,
    string Message);

/// <summary>
/// A verified list of revoked license ids, signed by the vendor. There is no public constructor:
/// every instance was verified (<see cref="Verify(byte[], LicenseKeyRing)"/>,
/// <see cref="Accept(byte[], LicenseKeyRing, RevocationList?)"/>) or signed
/// (<see cref="Create"/>), so passing one to <see cref="LicenseVerifier"/> is always safe. Keep
/// <see cref="ToArray"/> on disk and verify it again when the program starts. Immutable and safe to
/// share between threads; verification never throws for any bytes.
/// </summary>
public sealed class RevocationList
{
    /// <summary>The media type the shop serves the list with.</summary>
    public const string MediaType = "application/octet-stream";

    /// <summary>The longest list read: far above any real one (a million revoked licenses take about 26 MB).</summary>
    public const int MaxLength = 64 * 1024 * 1024;

    private const string Magic = "ORL1";
    private const int HeaderLength = 4 + 1 + 8 + 8 + 4;
    private static readonly long MaxIssuedAtMilliseconds = DateTimeOffset.MaxValue.ToUnixTimeMilliseconds();

    private readonly byte[] bytes;
    private readonly string[] ids;

    private RevocationList(byte[] bytes, string keyId, long sequence, DateTimeOffset issuedAt, string[] ids)
    {
        this.bytes = bytes;
        this.ids = ids;
        KeyId = keyId;
        Sequence = sequence;
        IssuedAt = issuedAt;
    }

    /// <summary>The id of the vendor key that signed the list.</summary>
    public string KeyId { get; }

    /// <summary>Grows with every revocation and never goes back: a larger number is a newer list.</summary>
    public long Sequence { get; }

    /// <summary>When the list reached this sequence (the last revocation it records), UTC, to the millisecond.</summary>
    public DateTimeOffset IssuedAt { get; }

    /// <summary>The revoked license ids, in ascending ordinal order.</summary>
    public IReadOnlyList<string> RevokedLicenseIds => ids;

    /// <summary>Whether the list names this license id (ordinal comparison).</summary>
    public bool IsRevoked(string licenseId) =>
        licenseId is not null && Array.BinarySearch(ids, licenseId, StringComparer.Ordinal) >= 0;

    /// <summary>Whether this list is older than <paramref name="other"/> (a smaller sequence); never older than null.</summary>
    public bool IsOlderThan(RevocationList? other) => other is not null && Sequence < other.Sequence;

    /// <summary>A copy of the signed bytes, exactly as received or made: what to keep on disk.</summary>
    public byte[] ToArray() => (byte[])bytes.Clone();

    /// <summary>
    /// Signs a list with the vendor's current key. The ids are sorted and repeats dropped. Throws
    /// <see cref="ArgumentException"/> for a negative sequence, a time before 1970 or an id a license
    /// key could not carry.
    /// </summary>
    public static RevocationList Create(LicenseSigner signer, long sequence, DateTimeOffset issuedAt, IEnumerable<string> revokedLicenseIds)
    {
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(revokedLicenseIds);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        long milliseconds = issuedAt.ToUnixTimeMilliseconds();
        if (milliseconds < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(issuedAt), "The time must not be before 1970-01-01.");
        }

        string[] sorted = [.. revokedLicenseIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        foreach (string id in sorted)
        {
            if (!LicenseRules.IsValidLicenseId(id))
            {
                throw new ArgumentException($"\"{id}\" is not a license id: {LicenseRules.LicenseIdRule}.", nameof(revokedLicenseIds));
            }
        }

        var buffer = new List<byte>(HeaderLength + signer.KeyId.Length + sorted.Sum(id => id.Length + 1) + P256Keys.SignatureLength);
        buffer.AddRange(Encoding.ASCII.GetBytes(Magic));
        WriteShortAscii(buffer, signer.KeyId);
        WriteUInt64(buffer, (ulong)sequence);
        WriteUInt64(buffer, (ulong)milliseconds);
        Span<byte> count = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(count, (uint)sorted.Length);
        buffer.AddRange(count);
        foreach (string id in sorted)
        {
            WriteShortAscii(buffer, id);
        }

        byte[] message = [.. buffer];
        byte[] signature = signer.SignMessage(message);
        return new RevocationList([.. message, .. signature], signer.KeyId, sequence,
            DateTimeOffset.FromUnixTimeMilliseconds(milliseconds), sorted);
    }

    /// <summary>Verifies against one public key, whatever key id the list names.</summary>
    public static RevocationListVerification Verify(byte[]? list, string publicKeyPem)
    {
        using ECDsa publicKey = P256Keys.ImportPublicKeyPem(publicKeyPem, nameof(publicKeyPem));
        return TryDecode(list, out Decoded? decoded, out RevocationListVerification? failure)
            ? Check(decoded, publicKey)
            : failure;
    }

    /// <summary>Verifies against the public key registered under the key id the list names.</summary>
    public static RevocationListVerification Verify(byte[]? list, LicenseKeyRing keyRing)
    {
        ArgumentNullException.ThrowIfNull(keyRing);
        if (!TryDecode(list, out Decoded? decoded, out RevocationListVerification? failure))
        {
            return failure;
        }

        if (!keyRing.TryGetKey(decoded.KeyId, out ECDsa? publicKey))
        {
            return Invalid(RevocationListInvalidReason.UnknownKeyId,
                $"The revocation list was signed with vendor key \"{decoded.KeyId}\", which this program does not know "
                + $"(it knows: {keyRing.DescribeKeyIds()}). It is not from this vendor, or the program needs an update.",
                decoded.KeyId);
        }

        return Check(decoded, publicKey);
    }

    /// <summary>Verifies against the public key registered under the key id the list names.</summary>
    public static RevocationListVerification Verify(byte[]? list, IReadOnlyDictionary<string, string> publicKeyPemsByKeyId)
    {
        using var ring = new LicenseKeyRing(publicKeyPemsByKeyId);
        return Verify(list, ring);
    }

    /// <summary>
    /// What a program does with a list it downloaded: verifies it, and refuses it (reason
    /// <see cref="RevocationListInvalidReason.Older"/>) when its sequence is smaller than that of the
    /// last good list the program kept, so nobody can bring a revoked license back by serving an
    /// old list. A list with the same sequence is accepted. On success keep the new list
    /// (<see cref="ToArray"/>); otherwise keep using <paramref name="lastGood"/>.
    /// </summary>
    public static RevocationListVerification Accept(byte[]? downloaded, LicenseKeyRing keyRing, RevocationList? lastGood) =>
        RefuseOlder(Verify(downloaded, keyRing), lastGood);

    /// <summary>
    /// <see cref="Accept(byte[], LicenseKeyRing, RevocationList?)"/> with the public keys by key id.
    /// </summary>
    public static RevocationListVerification Accept(byte[]? downloaded, IReadOnlyDictionary<string, string> publicKeyPemsByKeyId, RevocationList? lastGood) =>
        RefuseOlder(Verify(downloaded, publicKeyPemsByKeyId), lastGood);

    private static RevocationListVerification RefuseOlder(RevocationListVerification verification, RevocationList? lastGood)
    {
        if (verification.List is { } list && list.IsOlderThan(lastGood))
        {
            return Invalid(RevocationListInvalidReason.Older, string.Create(CultureInfo.InvariantCulture,
                $"The revocation list is older (number {list.Sequence}) than the one this program already has "
                + $"(number {lastGood!.Sequence}); the newer one stays in use."), list.KeyId);
        }

        return verification;
    }

    private static RevocationListVerification Check(Decoded decoded, ECDsa publicKey)
    {
        if (!P256Keys.HasLowS(decoded.Signature)
            || !publicKey.VerifyData(decoded.SignedMessage, decoded.Signature, P256Keys.Hash, P256Keys.SignatureFormat))
        {
            return Invalid(RevocationListInvalidReason.BadSignature,
                "The revocation list's signature does not match: it was altered or was not made by this vendor.", decoded.KeyId);
        }

        var list = new RevocationList([.. decoded.SignedMessage, .. decoded.Signature], decoded.KeyId, decoded.Sequence,
            DateTimeOffset.FromUnixTimeMilliseconds(decoded.IssuedAtMilliseconds), decoded.Ids);
        return new RevocationListVerification(true, list, decoded.KeyId, RevocationListInvalidReason.None, "The revocation list is valid.");
    }

    // Bytes -> checked structure, before the signature is verified. Never throws.
    private static bool TryDecode(ReadOnlySpan<byte> data, [NotNullWhen(true)] out Decoded? decoded,
        [NotNullWhen(false)] out RevocationListVerification? failure)
    {
        decoded = null;
        if (data.IsEmpty)
        {
            failure = Invalid(RevocationListInvalidReason.Empty, "The revocation list is empty.", keyId: null);
            return false;
        }

        if (data.Length > MaxLength)
        {
            failure = Malformed("far too long to be a revocation list");
            return false;
        }

        if (data.Length < 4 || data[0] != 'O' || data[1] != 'R' || data[2] != 'L' || !char.IsAsciiDigit((char)data[3]))
        {
            failure = Malformed("it does not start with \"ORL\" and a format number, so it is not a revocation list");
            return false;
        }

        if (data[3] != (byte)Magic[3])
        {
            failure = Invalid(RevocationListInvalidReason.UnsupportedVersion, string.Create(CultureInfo.InvariantCulture,
                $"The revocation list has format {(char)data[3]}; this program reads format {Magic[3]} and needs an update."), keyId: null);
            return false;
        }

        if (data.Length < HeaderLength + P256Keys.SignatureLength)
        {
            failure = Malformed("it is too short; part of it is probably missing");
            return false;
        }

        ReadOnlySpan<byte> message = data[..^P256Keys.SignatureLength];
        int position = 4;
        if (!TryReadShortAscii(message, ref position, out string keyId) || !LicenseRules.IsValidKeyId(keyId))
        {
            failure = Malformed("the id of the vendor key that signed it is unreadable");
            return false;
        }

        if (message.Length - position < 8 + 8 + 4)
        {
            failure = Malformed("it is too short; part of it is probably missing");
            return false;
        }

        ulong sequence = BinaryPrimitives.ReadUInt64BigEndian(message[position..]);
        ulong issuedAt = BinaryPrimitives.ReadUInt64BigEndian(message[(position + 8)..]);
        uint count = BinaryPrimitives.ReadUInt32BigEndian(message[(position + 16)..]);
        position += 20;
        if (sequence > long.MaxValue || issuedAt > (ulong)MaxIssuedAtMilliseconds)
        {
            failure = Malformed("its number or its date is out of range");
            return false;
        }

        // Each id takes at least two bytes, so a count the data cannot hold is refused before allocating.
        if (count > (uint)(message.Length - position) / 2)
        {
            failure = Malformed("it names more licenses than it holds");
            return false;
        }

        string[] ids = new string[count];
        for (int i = 0; i < ids.Length; i++)
        {
            if (!TryReadShortAscii(message, ref position, out ids[i]) || !LicenseRules.IsValidLicenseId(ids[i]))
            {
                failure = Malformed("a license id in it is damaged");
                return false;
            }

            if (i > 0 && string.CompareOrdinal(ids[i - 1], ids[i]) >= 0)
            {
                failure = Malformed("its license ids are not in ascending order");
                return false;
            }
        }

        if (position != message.Length)
        {
            failure = Malformed("its parts do not fit together");
            return false;
        }

        decoded = new Decoded(keyId, (long)sequence, (long)issuedAt, ids, message.ToArray(), data[^P256Keys.SignatureLength..].ToArray());
        failure = null;
        return true;
    }

    private static bool TryReadShortAscii(ReadOnlySpan<byte> data, ref int position, out string value)
    {
        value = "";
        if (position >= data.Length)
        {
            return false;
        }

        int length = data[position];
        if (length == 0 || data.Length - position - 1 < length)
        {
            return false;
        }

        ReadOnlySpan<byte> text = data.Slice(position + 1, length);
        if (!Ascii.IsValid(text))
        {
            return false;
        }

        value = Encoding.ASCII.GetString(text);
        position += 1 + length;
        return true;
    }

    private static void WriteShortAscii(List<byte> buffer, string value)
    {
        buffer.Add((byte)value.Length);
        buffer.AddRange(Encoding.ASCII.GetBytes(value));
    }

    private static void WriteUInt64(List<byte> buffer, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        buffer.AddRange(bytes);
    }

    private static RevocationListVerification Malformed(string why) =>
        Invalid(RevocationListInvalidReason.Malformed, $"This is not a usable revocation list: {why}.", keyId: null);

    private static RevocationListVerification Invalid(RevocationListInvalidReason reason, string message, string? keyId) =>
        new(false, null, keyId, reason, message);

    private sealed record Decoded(string KeyId, long Sequence, long IssuedAtMilliseconds, string[] Ids, byte[] SignedMessage, byte[] Signature);
}
