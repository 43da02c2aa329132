using System.Data;
using System.Globalization;
using Dapper;

namespace Orders.Api.Data;

// All stored times are UTC. SQLite keeps them as ISO-8601 text; this handler makes Dapper read them
// back as UTC DateTime values instead of guessing the kind.
internal sealed class UtcDateTimeHandler : SqlMapper.TypeHandler<DateTime>
{
    public static void Register()
    {
        SqlMapper.RemoveTypeMap(typeof(DateTime));
        SqlMapper.RemoveTypeMap(typeof(DateTime?));
        SqlMapper.AddTypeHandler(new UtcDateTimeHandler());
    }

    public override void SetValue(IDbDataParameter parameter, DateTime value)
    {
        parameter.DbType = DbType.String;
        parameter.Value = DateTime.SpecifyKind(value.ToUniversalTime(), DateTimeKind.Utc)
            .ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
    }

    public override DateTime Parse(object value) => value switch
    {
        DateTime dateTime => DateTime.SpecifyKind(dateTime, DateTimeKind.Utc),
        string text => DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
        _ => throw new DataException($"Cannot read a time from a {value.GetType().Name}."),
    };
}
