namespace Orders.Api.Data;

// One statement in the two SQL dialects the service runs on, kept side by side where they differ
// (insert-if-absent, returning the new id, paging, lock hints). Statements in the common subset
// are plain `const string ...Sql` fields. A test parses every SQL Server variant and every common
// statement with SQL Server's own parser, finding them by these two conventions.
internal sealed record Dialect(string Sqlite, string SqlServer);
