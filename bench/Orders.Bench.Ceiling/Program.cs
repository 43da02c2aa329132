// The ceiling for the webhook benchmarks: what Kestrel on this machine does for a POST of the same
// size when the handler only reads the body and answers 200 with a small JSON body, like the
// service's acknowledgement. Usage: Orders.Bench.Ceiling --urls=http://127.0.0.1:PORT
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

app.MapPost("/webhooks/paypal", static async (HttpRequest request, HttpResponse response) =>
{
    var buffer = new byte[16 * 1024];
    while (await request.Body.ReadAsync(buffer) > 0)
    {
    }

    response.ContentType = "application/json";
    await response.WriteAsync("""{"inboxId":1,"duplicate":false}""");
});

app.Run();
