namespace Orders.Api.Data;

// One statement in the three SQL dialects the service runs on, kept side by side where they differ
// (insert-if-absent, returning the new id, paging, lock hints). Statements in the common subset
// are plain `const string ...Sql` fields. Tests find both by these two conventions: SQL Server's
// own parser reads every SQL Server variant and common statement, and a PostgreSQL cluster
// prepares every PostgreSQL variant and common statement against the migrated schema.
internal sealed record Dialect(string Sqlite, string SqlServer, string PostgreSql);
