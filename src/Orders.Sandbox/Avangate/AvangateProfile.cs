using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orders.Sandbox.Template;

namespace Orders.Sandbox.Avangate;

// One signed IPN or LCN: the form bytes every copy and attempt sends, and the values its read
// receipt must be computed over. Status is ORDERSTATUS for an IPN and STATUS for an LCN.
internal sealed record AvangateNotification(long Number, string Kind, string? Refno, string? Status, string? MessageId, byte[] Form, IReadOnlyList<string> ReceiptSource)
    : SignedMessage(Number.ToString(CultureInfo.InvariantCulture), Kind, Form,
        new Dictionary<string, string?> { ["refno"] = Refno, ["kind"] = Kind, ["messageId"] = MessageId });

// The reseller's part of the template: IPNs and LCNs POSTed as forms, counted as delivered only
// on HTTP 200 with a valid read receipt for that notification (PROVIDERS.md 2.3, 2.6); errors as
// problem details with an errorCode.
internal sealed class AvangateProfile(IOptions<AvangateSandboxOptions> options, SandboxUrls<AvangateSandboxOptions> urls)
    : SandboxProfile<AvangateSandboxOptions>(options, urls, Identity)
{
    private static readonly SandboxIdentity Identity = new("2Checkout (Avangate)", "the real 2Checkout account",
        SandboxExtensions.AvangateClientName, new PageTheme("2Checkout", "Sandbox", "#00205b", "#007cb0", "#006a99", "#f3f5f7"));

    // A read receipt is a few dozen bytes; no need to read a large page to find it.
    private const int MaxResponseBytes = 64 * 1024;

    private long notifications;

    public override string DeliveriesPath => "/_notifications";

    public override string DropKnob => "dropNotifications";

    public override string[] Filters => ["refno", "kind", "messageId"];

    // What a buy link starts with: {Base}/checkout/buy?merchant=…
    public string BuyLinkBase => Urls.Base + "/checkout/buy";

    public string? IpnTarget => Urls.Target(Options.IpnUrl, "/webhooks/avangate");

    public string? LcnTarget => Urls.Target(Options.LcnUrl, "/webhooks/avangate/lcn");

    public string Cart(string refno) => $"{Urls.Base}/checkout/cart/{Uri.EscapeDataString(refno)}";

    public override string Describe() =>
        $"buy links at {BuyLinkBase}; IPNs go to {IpnTarget ?? "(no http address known yet)"}, LCNs to {LcnTarget ?? "(no http address known yet)"}";

    public override IResult NotFound(HttpRequest request) =>
        Problem(StatusCodes.Status404NotFound, "Not found", "NOT_FOUND", $"The sandbox has nothing at {request.Method} {request.Path}.");

    public override IResult Unavailable() =>
        Problem(StatusCodes.Status503ServiceUnavailable, "Unavailable", "SERVICE_UNAVAILABLE", "The sandbox's FailApiCalls knob is on.");

    public override (string? Url, string Setting) Target(SignedMessage message) => message.Type == AvangateNotificationKinds.Lcn
        ? (LcnTarget, "Sandbox:Avangate:LcnUrl")
        : (IpnTarget, "Sandbox:Avangate:IpnUrl");

    public override string? Shape(HttpRequestMessage request, SignedMessage message)
    {
        request.Content = new ByteArrayContent(message.Body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        request.Headers.UserAgent.ParseAdd("2Checkout-IPN/Orders.Sandbox");
        return null;
    }

    public override async Task<(bool Delivered, string? Error)> JudgeAsync(HttpResponseMessage response, SignedMessage message, CancellationToken cancellationToken)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (false, "not HTTP 200");
        }
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxResponseBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }
        return AvangateHash.CheckReceipt(Encoding.UTF8.GetString(buffer, 0, length), ((AvangateNotification)message).ReceiptSource, Options.SecretKey) switch
        {
            ReceiptCheck.Valid => (true, null),
            ReceiptCheck.Missing => (false, "no read receipt in the response"),
            _ => (false, "read receipt hash does not match"),
        };
    }

    // A delivery counts only with a valid read receipt, so "delivered" and "the last answer carried
    // a valid receipt" are the same thing.
    public override JsonObject View(DeliveryRecord record)
    {
        var n = (AvangateNotification)record.Message;
        var view = record.View(new JsonObject { ["id"] = n.Number, ["kind"] = n.Kind, ["refno"] = n.Refno, ["orderStatus"] = n.Status, ["messageId"] = n.MessageId }, null);
        view["receiptValid"] = view["delivered"]!.GetValue<bool>();
        return view;
    }

    // The fields must already be signed; they are form-encoded once, here. An LCN names no REFNO, so
    // the order it is about is passed in.
    public AvangateNotification Notification(string kind, IReadOnlyList<KeyValuePair<string, string>> signedFields, string? refno = null) => new(
        Interlocked.Increment(ref notifications),
        kind,
        refno ?? AvangateForm.First(signedFields, "REFNO"),
        AvangateForm.First(signedFields, kind == AvangateNotificationKinds.Lcn ? "STATUS" : "ORDERSTATUS"),
        AvangateForm.First(signedFields, "MESSAGE_ID"),
        Encoding.ASCII.GetBytes(AvangateIpnSigner.FormEncode(signedFields)),
        AvangateHash.ReceiptValues(kind, signedFields));

    public static ProblemHttpResult Problem(int statusCode, string title, string code, string detail) =>
        TypedResults.Problem(detail, statusCode: statusCode, title: title, extensions: new Dictionary<string, object?> { ["errorCode"] = code });
}
