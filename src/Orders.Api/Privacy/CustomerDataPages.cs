using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orders.Api.Hosting;
using Orders.Api.Support;
using static Orders.Api.Pages.Html;
using static Orders.Api.Support.SupportLayout;

namespace Orders.Api.Privacy;

// The console's "Customer data" pages (admins): find what is stored for one address, download it
// as JSON, or erase it after typing the address again. The address travels in a query string only
// on the way to the export (a GET, so the browser can download it); the erasure is a form POST and
// the page after it does not name the address.
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
        admin.MapGet("", CustomersPage);
        admin.MapGet("/export", Download);
        admin.MapGet("/erase", ErasePage);
        admin.MapPost("/erase", Erase);
        return app;
    }

    private static async Task<ContentHttpResult> CustomersPage(string? email, int? erased, int? later, HttpContext context, CustomerData data, CancellationToken ct)
    {
        var address = email?.Trim() ?? "";
        string result = "";
        var status = StatusCodes.Status200OK;
        if (erased is { } count)
        {
            var waiting = later is > 0
                ? $""" {later} order(s) still waiting for their payment are erased as soon as each ends (expired, canceled, or paid and its license e-mailed)."""
                : "";
            result = $"""<div class="notice ok" role="status" data-testid="erased-notice">Erased: the address and licensee name on {count} order(s) were replaced by {E(CustomerData.Tombstone)}. The orders stay for bookkeeping; the licenses stay valid.{waiting}</div>""";
        }
        else if (address.Length > 0)
        {
            if (CustomerData.EmailProblem(address) is { } problem)
            {
                result = $"""<div class="notice error" role="alert">{E(problem)}</div>""";
                status = StatusCodes.Status400BadRequest;
            }
            else
            {
                var preview = await data.PreviewAsync(StaffMember.From(context.User), address, ct);
                result = preview.Orders.Count == 0 && preview.ConsentRecords == 0
                    ? """<div class="notice warn" role="status" data-testid="nothing-stored">Nothing is stored for this address (or it was erased already).</div>"""
                    : PreviewCard(address, preview);
            }
        }

        return Page(context, "Customer data", $"""
            <form method="get" action="/support/customers" class="card">
              <label for="email">Customer's e-mail address</label>
              <div class="searchbox">
                <input id="email" name="email" type="text" value="{E(address)}" autocomplete="off" spellcheck="false" autocapitalize="none" required>
                <button type="submit">Look up</button>
              </div>
              <p class="muted small">For a customer who asks what we store about them, or asks us to erase it. Both are recorded in the audit log.</p>
            </form>
            {result}
            """, status, "customers");
    }

    private static string PreviewCard(string address, CustomerPreview preview)
    {
        var query = "email=" + Uri.EscapeDataString(address);
        var rows = string.Concat(preview.Orders.Select(o => $"""
            <tr data-testid="customer-order"><td>{OrderLink(o.OrderNumber)}</td><td class="nowrap">{Time(o.CreatedAt)}</td><td>{Badge(o.Status)}</td><td>{E(o.ProductName)}</td></tr>
            """));
        return $"""
            <section class="card" aria-label="Stored data">
            <h2>{preview.Orders.Count} order(s), {preview.ConsentRecords} privacy-notice record(s)</h2>
            {(preview.Orders.Count == 0 ? "" : $"<table><thead><tr><th>Order</th><th>Placed</th><th>Status</th><th>Product</th></tr></thead><tbody>{rows}</tbody></table>")}
            <div class="actions" style="margin-top:1rem">
              <a class="button" href="/support/customers/export?{query}" data-testid="export-link">Download everything (JSON)</a>
              <a class="button danger-outline" href="/support/customers/erase?{query}" data-testid="erase-link">Erase this customer's data…</a>
            </div>
            </section>
            """;
    }

    private static async Task<IResult> Download(string? email, HttpContext context, CustomerData data, CancellationToken ct)
    {
        if (CustomerData.EmailProblem(email) is { } problem)
        {
            return Page(context, "Customer data", $"""<div class="notice error" role="alert">{E(problem)}</div><p><a href="/support/customers">Back</a></p>""", StatusCodes.Status400BadRequest, "customers");
        }

        var export = await data.ExportAsync(StaffMember.From(context.User), email!, ct);
        if (export is null)
        {
            return Page(context, "Customer data", """<div class="notice warn" role="status">Nothing is stored for this address.</div><p><a href="/support/customers">Back</a></p>""", StatusCodes.Status404NotFound, "customers");
        }

        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.File(JsonSerializer.SerializeToUtf8Bytes(export, CustomerDataApi.ExportJson), "application/json", CustomerDataFormat.FileName(export.ExportedAt));
    }

    private static async Task<ContentHttpResult> ErasePage(string? email, HttpContext context, CustomerData data, CancellationToken ct)
    {
        if (CustomerData.EmailProblem(email) is { } problem)
        {
            return Page(context, "Erase customer data", $"""<div class="notice error" role="alert">{E(problem)}</div><p><a href="/support/customers">Back</a></p>""", StatusCodes.Status400BadRequest, "customers");
        }

        var preview = await data.PreviewAsync(StaffMember.From(context.User), email!, ct);
        return Confirmation(context, email!.Trim(), preview, null, StatusCodes.Status200OK);
    }

    private static ContentHttpResult Confirmation(HttpContext context, string address, CustomerPreview preview, string? error, int statusCode) =>
        Page(context, "Erase customer data", $"""
            <p class="crumbs"><a href="/support/customers?email={Uri.EscapeDataString(address)}">← Customer data</a></p>
            <div class="card">
            <h1>Erase this customer's personal data</h1>
            {(error is null ? "" : $"""<div class="notice error" role="alert" data-testid="erase-error">{E(error)}</div>""")}
            <p>On {preview.Orders.Count} order(s) ({string.Join(", ", preview.Orders.Select(o => E(o.OrderNumber)))}) the e-mail address and the licensee name are replaced by
               <span class="mono">{E(CustomerData.Tombstone)}</span>, and so are the addresses of their e-mails, the stored text of their license keys and
               {preview.ConsentRecords} privacy-notice record(s). Order numbers, products, amounts, dates and provider references stay for bookkeeping.
               The licenses stay valid; nothing can be sent to these orders any more. An order still waiting for its payment is erased as soon as it ends.
               <strong>This cannot be undone.</strong></p>
            <form method="post" action="/support/customers/erase">
              {AntiforgeryField(context)}
              <input type="hidden" name="email" value="{E(address)}">
              <label for="confirm">Type the address <span class="mono">{E(address)}</span> to confirm</label>
              <input id="confirm" name="confirm" type="text" autocomplete="off" spellcheck="false" autocapitalize="none" required>
              <div class="actions" style="margin-top:1rem">
                <button type="submit" class="danger">Erase</button>
                <a class="button secondary" href="/support/customers?email={Uri.EscapeDataString(address)}">Cancel</a>
              </div>
            </form>
            </div>
            """, statusCode, "customers");

    private static async Task<Results<SeeOtherResult, ContentHttpResult>> Erase([FromForm] EraseForm? form, HttpContext context, CustomerData data, CancellationToken ct)
    {
        var staff = StaffMember.From(context.User);
        var email = form?.Email?.Trim() ?? "";
        if (CustomerData.EmailProblem(email) is { } problem)
        {
            return Page(context, "Erase customer data", $"""<div class="notice error" role="alert">{E(problem)}</div><p><a href="/support/customers">Back</a></p>""", StatusCodes.Status400BadRequest, "customers");
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
            _ => Page(context, "Erase customer data", """<div class="notice warn" role="status">Nothing is stored for this address (or it was erased already).</div><p><a href="/support/customers">Back</a></p>""", StatusCodes.Status404NotFound, "customers"),
        };
    }
}
