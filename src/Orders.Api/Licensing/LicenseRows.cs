using Orders.Api.Data;

namespace Orders.Api.Licensing;

// Writing a license row: the one statement every path that issues a license uses (a paid order, a
// corrected licensee name). One license per order line: the unique index on (order_id, line_no) is
// the guarantee; these forms only avoid the error when the line exists already.
internal static class LicenseRows
{
    public static readonly Dialect InsertSql = new(
        Sqlite: """
            INSERT INTO licenses (order_id, line_no, license_id, license_key, key_id, seats, status, issued_at)
            VALUES (@OrderId, @LineNo, @LicenseId, @LicenseKey, @KeyId, @Seats, 'active', @Now)
            ON CONFLICT (order_id, line_no) DO NOTHING
            """,
        SqlServer: """
            INSERT INTO licenses (order_id, line_no, license_id, license_key, key_id, seats, status, issued_at)
            SELECT @OrderId, @LineNo, @LicenseId, @LicenseKey, @KeyId, @Seats, 'active', @Now
            WHERE NOT EXISTS (SELECT 1 FROM licenses WITH (UPDLOCK, HOLDLOCK) WHERE order_id = @OrderId AND line_no = @LineNo)
            """,
        PostgreSql: """
            INSERT INTO licenses (order_id, line_no, license_id, license_key, key_id, seats, status, issued_at)
            VALUES (@OrderId, @LineNo, @LicenseId, @LicenseKey, @KeyId, @Seats, 'active', @Now)
            ON CONFLICT (order_id, line_no) DO NOTHING
            """);
}
