using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Hosting;
using Orders.Api.Support;

namespace Orders.Api.Privacy;

// The console's "Customer data" pages (admins): find what is stored for one address, download it
// as JSON, or erase it after typing the address again. The address travels in a query string only
// on the way to the export (a GET, so the browser can download it); the erasure is a form POST and
// the page after it does not name the address. The pages are Razor components in Console/.
internal static class CustomerDataPages
{
    internal sealed class EraseForm
    {
        public string? Email { get; set; }
        public string? Confirm { get; set; }
    }

    public static IEndpointRouteBuilder MapCustomerDataPages(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/support/customers").WithTags("Support pages").ExcludeFromDescription()
            .RequireAuthorization(SupportPolicies.Staff).RequireAuthorization(SupportPolicies.Admin);
        admin.MapGet("", ShowCustomers);
        admin.MapGet("/export", Download);
        admin.MapGet("/erase", ShowErase);
        admin.MapPost("/erase", Erase);
        return app;
    }

    private static async Task<RazorComponentResult> ShowCustomers(string? email, int? erased, int? later, HttpContext context, CustomerData data, CancellationToken ct)
    {
        var address = email?.Trim() ?? "";
        if (erased is not null || address.Length == 0)
        {
            return ConsolePage.Render<CustomersPage>(context, new { Address = address, Erased = erased, Later = later });
        }

        if (CustomerData.EmailProblem(address) is { } problem)
        {
            return ConsolePage.Render<CustomersPage>(context, new { Address = address, Problem = problem }, StatusCodes.Status400BadRequest);
        }

        var preview = await data.PreviewAsync(StaffMember.From(context.User), address, ct);
        return ConsolePage.Render<CustomersPage>(context, new { Address = address, Preview = preview });
    }

    // A lookup that cannot be made, or finds nothing to export or erase.
    private static RazorComponentResult Refused(HttpContext context, int statusCode, string title, string message, string tone) =>
        ConsolePage.Message(context, statusCode, title, title, message, "/support/customers", "Back", section: "customers", tone: tone);

    private static async Task<IResult> Download(string? email, HttpContext context, CustomerData data, CancellationToken ct)
    {
        if (CustomerData.EmailProblem(email) is { } problem)
        {
            return Refused(context, StatusCodes.Status400BadRequest, "Customer data", problem, "error");
        }

        var export = await data.ExportAsync(StaffMember.From(context.User), email!, ct);
        if (export is null)
        {
            return Refused(context, StatusCodes.Status404NotFound, "Customer data", "Nothing is stored for this address.", "warn");
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(JsonSerializer.SerializeToUtf8Bytes(export, CustomerDataApi.ExportJson), "application/json", CustomerDataFormat.FileName(export.ExportedAt));
    }

    private static async Task<RazorComponentResult> ShowErase(string? email, HttpContext context, CustomerData data, CancellationToken ct)
    {
        if (CustomerData.EmailProblem(email) is { } problem)
        {
            return Refused(context, StatusCodes.Status400BadRequest, "Erase customer data", problem, "error");
        }

        var preview = await data.PreviewAsync(StaffMember.From(context.User), email!, ct);
        return Confirmation(context, email!.Trim(), preview, null, StatusCodes.Status200OK);
    }

    private static RazorComponentResult Confirmation(HttpContext context, string address, CustomerPreview preview, string? error, int statusCode) =>
        ConsolePage.Render<ErasePage>(context, new { Address = address, Preview = preview, Error = error }, statusCode);

    private static async Task<Results<SeeOtherResult, RazorComponentResult>> Erase([FromForm] EraseForm? form, HttpContext context, CustomerData data, CancellationToken ct)
    {
        var staff = StaffMember.From(context.User);
        var email = form?.Email?.Trim() ?? "";
        if (CustomerData.EmailProblem(email) is { } problem)
        {
            return Refused(context, StatusCodes.Status400BadRequest, "Erase customer data", problem, "error");
        }

        if (!string.Equals(form?.Confirm?.Trim(), email, StringComparison.OrdinalIgnoreCase))
        {
            return Confirmation(context, email, await data.PreviewAsync(staff, email, ct), "The address typed does not match. Nothing was erased.", StatusCodes.Status400BadRequest);
        }

        var outcome = await data.EraseAsync(staff, email, ct);
        return outcome switch
        {
            ErasureOutcome.Erased { Summary.OrdersErasedWhenTheyEnd: 0 } erased => new SeeOtherResult($"/support/customers?erased={erased.Summary.OrdersErased}"),
            ErasureOutcome.Erased erased => new SeeOtherResult($"/support/customers?erased={erased.Summary.OrdersErased}&later={erased.Summary.OrdersErasedWhenTheyEnd}"),
            ErasureOutcome.Conflict => Confirmation(context, email, await data.PreviewAsync(staff, email, ct),
                "Nothing was erased: an order changed meanwhile. Try again.", StatusCodes.Status409Conflict),
            _ => Refused(context, StatusCodes.Status404NotFound, "Erase customer data", "Nothing is stored for this address (or it was erased already).", "warn"),
        };
    }
}
