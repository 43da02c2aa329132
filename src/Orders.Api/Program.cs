using Orders.Api.Catalog;
using Orders.Api.Checkout;
using Orders.Api.Data;
using Orders.Api.Hosting;
using Orders.Api.Licensing;
using Orders.Api.Mail;
using Orders.Api.Orders;
using Orders.Api.Pages;
using Orders.Api.Payments;
using Orders.Api.Payments.PayPal;
using Orders.Api.Processing;
using Orders.Api.Webhooks;

var builder = WebApplication.CreateBuilder(args);
builder.RefuseUnsafeProductionSettings();

builder.AddHosting();
builder.Services.AddStorage(builder.Configuration);
builder.Services.AddCatalog(builder.Configuration);
builder.Services.AddOrders(builder.Configuration);
builder.Services.AddCheckout();
builder.Services.AddPayments(builder.Configuration);
builder.Services.AddWebhooks();
builder.Services.AddProcessing(builder.Configuration);
builder.Services.AddLicensing(builder.Configuration);
builder.Services.AddMail(builder.Configuration);

var app = builder.Build();

app.UseHosting();
app.MigrateDatabase();
app.ReportStartup();

app.MapStorefront();
app.MapCatalog();
app.MapCheckout();
app.MapPayPalReturn();
app.MapOrders();
app.MapLicenses();
app.MapWebhooks();
app.MapOperations();
app.MapPaymentSandbox();

app.StartRecovery();
app.Run();

// Visible to the tests' WebApplicationFactory<Program>.
public partial class Program;
