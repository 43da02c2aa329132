using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orders.Sandbox.Avangate;
using Orders.Sandbox.PayPal;
using Orders.Sandbox.Stripe;
using Orders.Sandbox.Template;

namespace Orders.Sandbox;

// The sandbox on its own: dotnet run --project src/Orders.Sandbox
//   [--urls=http://127.0.0.1:5090] [--Sandbox:PayPal:WebhookUrl=http://127.0.0.1:5080/webhooks/paypal]
//   [--Sandbox:Avangate:IpnUrl=http://127.0.0.1:5080/webhooks/avangate] [--Sandbox:Avangate:LcnUrl=…/webhooks/avangate/lcn]
//   [--Sandbox:Stripe:WebhookUrl=http://127.0.0.1:5080/webhooks/stripe]
internal static class SandboxProgram
{
    private const string DefaultUrl = "http://127.0.0.1:5090";

    public static async Task<int> Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey])
            && string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.HttpPortsKey])
            && string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.HttpsPortsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        // What a template appsettings.json would say (this project must not have one): no per-request noise.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddPayPalSandbox(builder.Configuration.GetSection("Sandbox:PayPal"));
        builder.Services.AddAvangateSandbox(builder.Configuration.GetSection("Sandbox:Avangate"));
        builder.Services.AddStripeSandbox(builder.Configuration.GetSection("Sandbox:Stripe"));

        var app = builder.Build();
        try
        {
            app.MapPayPalSandbox();
            app.MapAvangateSandbox();
            app.MapStripeSandbox();
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 1;
        }

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var paypal = app.Services.GetRequiredService<PayPalProfile>();
            Console.WriteLine($"PayPal sandbox base URL: {app.Services.GetRequiredService<SandboxUrls<PayPalSandboxOptions>>().Base}");
            Console.WriteLine($"Webhook target:          {paypal.WebhookTarget ?? "(none: set --Sandbox:PayPal:WebhookUrl=...)"}");
            var avangate = app.Services.GetRequiredService<AvangateProfile>();
            Console.WriteLine($"Avangate buy links:      {avangate.BuyLinkBase}?merchant=…");
            Console.WriteLine($"IPN target:              {avangate.IpnTarget ?? "(none: set --Sandbox:Avangate:IpnUrl=...)"}");
            Console.WriteLine($"LCN target:              {avangate.LcnTarget ?? "(none: set --Sandbox:Avangate:LcnUrl=...)"}");
            var stripe = app.Services.GetRequiredService<StripeProfile>();
            Console.WriteLine($"Stripe API base:         {app.Services.GetRequiredService<SandboxUrls<StripeSandboxOptions>>().Base}");
            Console.WriteLine($"Stripe webhook target:   {stripe.WebhookTarget ?? "(none: set --Sandbox:Stripe:WebhookUrl=...)"}");
        });
        await app.RunAsync();
        return 0;
    }
}
