namespace Orders.Api.Data;

internal sealed class StorageOptions
{
    public const string Section = "Storage";

    // Where the embedded defaults live: the SQLite file, the generated license key, the mail pickup folder.
    // Relative paths are resolved against the content root.
    public string DataDirectory { get; set; } = "data";
}

internal sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    // Filled from ConnectionStrings:Orders; when empty on SQLite, the file is {DataDirectory}/orders.db.
    // SQL Server and PostgreSQL need it set (SqlClient and Npgsql formats).
    public string ConnectionString { get; set; } = "";
}

internal enum DatabaseProvider
{
    Sqlite,
    SqlServer,
    PostgreSql,
}
