using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Support;

namespace Orders.Api.Privacy;

internal sealed record EraseBody(string? Email);

// Export and erasure for admins, on the support API's conventions (cookie session, JSON writes,
// RFC 9457 problems, no-store), under /api/support.
internal static class CustomerDataApi
{
    public static readonly JsonSerializerOptions ExportJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static IEndpointRouteBuilder MapCustomerDataApi(this IEndpointRouteBuilder app)
    {
        var customers = app.MapStaffApi("/api/support/customers", SupportPolicies.Admin);
        customers.MapGet("/export", Export).WithName("SupportExportCustomerData")
            .WithSummary("Export everything stored about a customer (admin)")
            .WithDescription("One JSON document, downloaded as a file: every order of that address in any case, its licenses, "
                + "e-mails, provider events, the audit entries about those orders and the privacy-notice consent records.")
            .Produces<CustomerExport>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status404NotFound);
        customers.MapPost("/erase", Erase).WithName("SupportEraseCustomerData")
            .WithSummary("Erase a customer's personal data (admin)")
            .WithDescription("On every order of that address the e-mail address and licensee name become [erased]; bookkeeping and "
                + "issued licenses stay. 200 when all is erased; 202 when orders still waiting for their payment are erased as each "
                + "ends. 404 when nothing is stored; 409 when an order changed meanwhile (nothing erased, try again).")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    internal static async Task<Results<FileContentHttpResult, ValidationProblem, ProblemHttpResult>> Export(
        string? email, ClaimsPrincipal user, CustomerData data, CancellationToken ct)
    {
        if (CustomerData.EmailProblem(email) is { } problem)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = [problem] });
        }

        var export = await data.ExportAsync(StaffMember.From(user), email!, ct);
        if (export is null)
        {
            return NothingStored();
        }

        return TypedResults.File(JsonSerializer.SerializeToUtf8Bytes(export, ExportJson), "application/json", CustomerDataFormat.FileName(export.ExportedAt));
    }

    // 200 when everything is erased; 202 when orders still waiting for their payment are erased
    // later, as each ends (the summary says which).
    internal static async Task<Results<Ok<ErasureSummary>, Accepted<ErasureSummary>, ValidationProblem, ProblemHttpResult>> Erase(
        EraseBody? body, ClaimsPrincipal user, CustomerData data, CancellationToken ct)
    {
        if (CustomerData.EmailProblem(body?.Email) is { } problem)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["email"] = [problem] });
        }

        return await data.EraseAsync(StaffMember.From(user), body!.Email!, ct) switch
        {
            ErasureOutcome.Erased { Summary.OrdersErasedWhenTheyEnd: 0 } erased => TypedResults.Ok(erased.Summary),
            ErasureOutcome.Erased erased => TypedResults.Accepted((string?)null, erased.Summary),
            ErasureOutcome.Conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The orders changed",
                detail: "An order of this customer changed while erasing. Nothing was erased; try again."),
            _ => NothingStored(),
        };
    }

    private static ProblemHttpResult NothingStored() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Nothing stored",
            detail: "No order, e-mail or consent record is stored for this address (or it was erased already).");
}
