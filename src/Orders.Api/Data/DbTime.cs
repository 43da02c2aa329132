using System.Data;
using System.Globalization;
using Dapper;

namespace Orders.Api.Data;

// All stored times are UTC. SQLite keeps them as ISO-8601 text (which sorts correctly), SQL Server as
// datetime2, PostgreSQL as timestamptz; this handler writes all three and reads them back as UTC
// DateTime values.
internal sealed class UtcDateTimeHandler : SqlMapper.TypeHandler<DateTime>
{
    public static void Register()
    {
        SqlMapper.RemoveTypeMap(typeof(DateTime));
        SqlMapper.RemoveTypeMap(typeof(DateTime?));
        SqlMapper.AddTypeHandler(new UtcDateTimeHandler());
    }

    public override void SetValue(IDbDataParameter parameter, DateTime value) => Bind(parameter, value);

    // For the few hot loops that bind a reused ADO.NET command themselves instead of through Dapper.
    public static void Bind(IDbDataParameter parameter, DateTime value)
    {
        var utc = value.Kind == DateTimeKind.Utc ? value : DateTime.SpecifyKind(value.ToUniversalTime(), DateTimeKind.Utc);
        if (parameter is Microsoft.Data.SqlClient.SqlParameter)
        {
            parameter.DbType = DbType.DateTime2;
            parameter.Value = utc;
            return;
        }

        if (parameter is Npgsql.NpgsqlParameter postgres)
        {
            postgres.NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz;
            postgres.Value = utc;
            return;
        }

        parameter.DbType = DbType.String;
        parameter.Value = utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    public override DateTime Parse(object value) => value switch
    {
        DateTime dateTime => DateTime.SpecifyKind(dateTime, DateTimeKind.Utc),
        string text => DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        _ => throw new DataException($"Cannot read a time from a {value.GetType().Name}."),
    };
}
