using Orders.Api.Catalog;
using Orders.Api.Checkout;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.KeyRecovery;
using Orders.Api.Licensing;
using Orders.Api.Mail;
using Orders.Api.Orders;
using Orders.Api.Pages;
using Orders.Api.PaymentEvents;
using Orders.Api.Payments;
using Orders.Api.Privacy;
using Orders.Api.Support;

NativeHeap.UseFewArenas();
var builder = WebApplication.CreateBuilder(args);
builder.AddHosting();
builder.Services.AddStorage(builder.Configuration);
builder.Services.AddCatalog(builder.Configuration);
builder.Services.AddShopPages();
builder.Services.AddOrders(builder.Configuration);
builder.Services.AddCheckout();
builder.Services.AddPayments(builder.Configuration);
builder.Services.AddPaymentEvents(builder.Configuration);
builder.Services.AddLicensing(builder.Configuration);
builder.Services.AddMail(builder.Configuration);
builder.Services.AddKeyRecovery();
builder.Services.AddSupport(builder.Configuration);
builder.Services.AddPrivacy();
builder.Services.AddPrivacyNotices(builder.Configuration);

var app = builder.Build();

// `staff add|list|disable|enable|reset-password`: manage support accounts and exit (it refuses
// invalid settings itself, as exit code 1).
if (StaffCommand.IsInvoked(args))
{
    return await StaffCommand.RunAsync(app, args);
}

app.RefuseInvalidSettings();

app.UseHosting();
app.MigrateDatabase();
app.ReportStartup();

app.MapStorefront();
app.MapCatalog();
app.MapCheckout();
app.MapOrders();
app.MapLicenses();
app.MapKeyRecovery();
app.MapSupport();
app.MapPrivacy();
app.MapPrivacyNotices();
app.MapOperations();
app.MapPayments();
app.MapPaymentEvents();

app.StartRecovery();
app.StartPrivacyNotices();
app.StartKeyRecovery();
app.Run();
return 0;

// Visible to the tests' WebApplicationFactory<Program>.
public partial class Program;
