using System.Data.Common;
using Dapper;
using Orders.Api.Data;

namespace Orders.Api.Support;

internal sealed record OrderNoteView(long Id, DateTime CreatedAt, string Author, string Text);

internal abstract record NoteOutcome
{
    public sealed record Added(OrderNoteView Note) : NoteOutcome;

    public sealed record Invalid(Dictionary<string, string[]> Errors) : NoteOutcome;

    public sealed record NotFound : NoteOutcome;

    public sealed record Erased : NoteOutcome;
}

// Staff's internal notes on an order, for whoever answers the customer next. Never shown or sent
// to the customer; part of their data export and deleted by erasure (Privacy reads and deletes
// them). The audit entry says a note was added, never what it says.
internal sealed partial class OrderNotes(Db db, AuditLog audit, TimeProvider time, ILogger<OrderNotes> logger)
{
    public const int MaxLength = 2000;

    private static readonly Dialect InsertSql = new(
        Sqlite: """
            INSERT INTO order_notes (order_id, staff_user_id, author, body, created_at)
            VALUES (@OrderId, @StaffUserId, @Author, @Body, @Now)
            RETURNING id
            """,
        SqlServer: """
            INSERT INTO order_notes (order_id, staff_user_id, author, body, created_at)
            OUTPUT INSERTED.id
            VALUES (@OrderId, @StaffUserId, @Author, @Body, @Now)
            """,
        PostgreSql: """
            INSERT INTO order_notes (order_id, staff_user_id, author, body, created_at)
            VALUES (@OrderId, @StaffUserId, @Author, @Body, @Now)
            RETURNING id
            """);

    private const string NotesSql = """
        SELECT order_id AS OrderId, id AS Id, created_at AS CreatedAt, author AS Author, body AS Body
        FROM order_notes WHERE order_id IN @OrderIds ORDER BY order_id, id
        """;

    private sealed class NoteRow
    {
        public long OrderId { get; init; }
        public long Id { get; init; }
        public DateTime CreatedAt { get; init; }
        public string Author { get; init; } = "";
        public string Body { get; init; } = "";
    }

    // The notes of one order (the console) or of all of one customer's (the export), by order id.
    public static async Task<ILookup<long, OrderNoteView>> ForOrdersAsync(DbConnection connection, IReadOnlyCollection<long> orderIds, CancellationToken ct) =>
        orderIds.Count == 0
            ? Array.Empty<NoteRow>().ToLookup(n => n.OrderId, n => new OrderNoteView(n.Id, n.CreatedAt, n.Author, n.Body))
            : (await connection.QueryAsync<NoteRow>(new CommandDefinition(NotesSql, new { OrderIds = orderIds }, cancellationToken: ct)))
                .ToLookup(n => n.OrderId, n => new OrderNoteView(n.Id, n.CreatedAt, n.Author, n.Body));

    public static string? TextProblem(string? text)
    {
        var note = text?.Trim() ?? "";
        return note.Length == 0 ? "Write the note."
            : note.Length > MaxLength ? $"Keep a note under {MaxLength} characters."
            : note.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t') ? "The note cannot contain control characters."
            : CardNumberGuard.ContainsCardLikeNumber(note) ? "The note looks like it contains a payment card number; never write card data here."
            : null;
    }

    public async Task<NoteOutcome> AddAsync(StaffMember staff, string orderNumber, string? text, CancellationToken ct)
    {
        if (TextProblem(text) is { } problem)
        {
            return new NoteOutcome.Invalid(new() { ["text"] = [problem] });
        }

        if (!SupportOrders.IsPlausibleOrderNumber(orderNumber))
        {
            return new NoteOutcome.NotFound();
        }

        var body = text!.Trim();
        await using var connection = await db.OpenAsync(ct);
        using var turn = await db.WriteTurnAsync(WritePriority.Interactive, ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        var order = await SupportOrders.FindAsync(connection, tx, orderNumber, ct);
        if (order is null)
        {
            return new NoteOutcome.NotFound();
        }

        // A note is about the customer; once their data is erased nothing new about them is kept.
        if (order.ErasedAt is not null)
        {
            return new NoteOutcome.Erased();
        }

        var now = time.GetUtcNow().UtcDateTime;
        var id = await connection.ExecuteScalarAsync<long>(new CommandDefinition(db.Pick(InsertSql),
            new { OrderId = order.Id, StaffUserId = staff.Id, Author = staff.Username, Body = body, Now = now }, tx, cancellationToken: ct));
        await audit.WriteAsync(connection, tx, staff, AuditActions.NoteAdded, order.Id, order.OrderNumber, $"note #{id} ({body.Length} characters)", ct);
        await tx.CommitAsync(ct);
        LogNoteAdded(logger, staff.Id, order.OrderNumber, id);
        return new NoteOutcome.Added(new OrderNoteView(id, now, staff.Username, body));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Staff user {StaffUserId} added note {NoteId} to order {OrderNumber}")]
    private static partial void LogNoteAdded(ILogger logger, long staffUserId, string orderNumber, long noteId);
}
