using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using Npgsql;

namespace Orders.Api.Data;

// An Npgsql connection under another name. Dapper hands a list parameter to a connection it knows as
// Npgsql's as one array, leaving `IN @Ids` in the text, which PostgreSQL cannot parse (it wants
// `= ANY(@Ids)`); to any other connection it expands the list into `IN (@Ids1, @Ids2, …)`. So the
// statements the three databases share run unchanged here too, and are checked as such
// (PostgreSqlStatementTests). Dapper asks the command for its connection, so commands are
// wrapped too.
internal sealed class PostgreSqlConnection(NpgsqlConnection inner) : DbConnection
{
    [AllowNull]
    public override string ConnectionString
    {
        get => inner.ConnectionString;
        set => inner.ConnectionString = value;
    }

    public override string Database => inner.Database;

    public override string DataSource => inner.DataSource;

    public override string ServerVersion => inner.ServerVersion;

    public override ConnectionState State => inner.State;

    public override void ChangeDatabase(string databaseName) => inner.ChangeDatabase(databaseName);

    public override void Close() => inner.Close();

    public override void Open() => inner.Open();

    public override Task OpenAsync(CancellationToken cancellationToken) => inner.OpenAsync(cancellationToken);

    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => inner.BeginTransaction(isolationLevel);

    protected override async ValueTask<DbTransaction> BeginDbTransactionAsync(IsolationLevel isolationLevel, CancellationToken cancellationToken) =>
        await inner.BeginTransactionAsync(isolationLevel, cancellationToken);

    protected override DbCommand CreateDbCommand() => new PostgreSqlCommand(inner.CreateCommand(), this);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}

// Dapper writes an empty list as `IN (SELECT @Ids WHERE 1 = 0)` with a NULL parameter, which
// PostgreSQL types as text and then cannot compare with a number (erasing a customer with no
// orders failed so). Before it runs, such a test becomes `= ANY('{}')` (`<> ALL('{}')` for NOT IN):
// an empty array that takes the column's type, with the same meaning.
internal sealed partial class PostgreSqlCommand(NpgsqlCommand inner, PostgreSqlConnection connection) : DbCommand
{
    [GeneratedRegex(@"(?<not>\bNOT\s+)?\bIN\s*\(SELECT\s+(?<name>[@:]\w+)\s+WHERE\s+1\s*=\s*0\)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex EmptyListTest();

    private void RewriteEmptyLists()
    {
        var text = inner.CommandText;
        if (!text.Contains("WHERE 1 = 0", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        var emptied = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        inner.CommandText = EmptyListTest().Replace(text, match =>
        {
            emptied.Add(match.Groups["name"].Value[1..]);
            return match.Groups["not"].Success ? "<> ALL('{}')" : "= ANY('{}')";
        });
        for (var i = inner.Parameters.Count - 1; i >= 0; i--)
        {
            var parameter = inner.Parameters[i];
            if (parameter.Value is DBNull && emptied.Contains(parameter.ParameterName.TrimStart('@', ':')))
            {
                inner.Parameters.RemoveAt(i);
            }
        }
    }

    [AllowNull]
    public override string CommandText
    {
        get => inner.CommandText;
        set => inner.CommandText = value;
    }

    public override int CommandTimeout
    {
        get => inner.CommandTimeout;
        set => inner.CommandTimeout = value;
    }

    public override CommandType CommandType
    {
        get => inner.CommandType;
        set => inner.CommandType = value;
    }

    public override bool DesignTimeVisible
    {
        get => inner.DesignTimeVisible;
        set => inner.DesignTimeVisible = value;
    }

    public override UpdateRowSource UpdatedRowSource
    {
        get => inner.UpdatedRowSource;
        set => inner.UpdatedRowSource = value;
    }

    // Commands are created by and stay with their connection.
    protected override DbConnection? DbConnection
    {
        get => connection;
        set
        {
            if (value is not null && value != connection)
            {
                throw new NotSupportedException("A PostgreSQL command stays with the connection that created it.");
            }
        }
    }

    protected override DbParameterCollection DbParameterCollection => inner.Parameters;

    protected override DbTransaction? DbTransaction
    {
        get => inner.Transaction;
        set => inner.Transaction = (NpgsqlTransaction?)value;
    }

    public override void Cancel() => inner.Cancel();

    public override void Prepare()
    {
        RewriteEmptyLists();
        inner.Prepare();
    }

    public override Task PrepareAsync(CancellationToken cancellationToken = default)
    {
        RewriteEmptyLists();
        return inner.PrepareAsync(cancellationToken);
    }

    protected override DbParameter CreateDbParameter() => inner.CreateParameter();

    public override int ExecuteNonQuery()
    {
        RewriteEmptyLists();
        return inner.ExecuteNonQuery();
    }

    public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken)
    {
        RewriteEmptyLists();
        return inner.ExecuteNonQueryAsync(cancellationToken);
    }

    public override object? ExecuteScalar()
    {
        RewriteEmptyLists();
        return inner.ExecuteScalar();
    }

    public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken)
    {
        RewriteEmptyLists();
        return inner.ExecuteScalarAsync(cancellationToken);
    }

    protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior)
    {
        RewriteEmptyLists();
        return inner.ExecuteReader(behavior);
    }

    protected override async Task<DbDataReader> ExecuteDbDataReaderAsync(CommandBehavior behavior, CancellationToken cancellationToken)
    {
        RewriteEmptyLists();
        return await inner.ExecuteReaderAsync(behavior, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}
