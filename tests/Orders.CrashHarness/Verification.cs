using System.Text.RegularExpressions;

namespace Orders.CrashHarness;

internal sealed record EmailFile(string Path, string Kind, string OrderNumber);

internal sealed record VerificationResult(
    int OrdersInService,
    int PaidAtSandbox,
    int PaidInService,
    int ActiveLicenses,
    int LicenseEmailsSent,
    int EmailFiles,
    IReadOnlyList<string> Violations);

// The promise, checked: every order PayPal considers paid is paid here with exactly one active
// license per line and exactly one sent license e-mail (one deliveries row, one .eml file that
// carries the key); nothing else has a license or an e-mail; no acknowledged checkout was lost;
// every purchase the buyer approved was captured.
internal static partial class Verification
{
    // Lines per order: the service sells one product per order, so one license (line 1) per paid order.
    private const int LinesPerOrder = 1;

    public static VerificationResult Check(
        IReadOnlyList<Purchase> purchases,
        DatabaseSnapshot db,
        IReadOnlyDictionary<string, PayPalOrderState> atPayPal,
        IReadOnlyList<EmailFile> emails)
    {
        List<string> violations = [];
        var ordersByPayPalId = db.Orders.Where(o => o.PayPalOrderId is not null).ToLookup(o => o.PayPalOrderId!, StringComparer.Ordinal);
        var ordersByNumber = db.Orders.ToDictionary(o => o.OrderNumber, StringComparer.Ordinal);
        var licensesByOrder = db.Licenses.ToLookup(l => l.OrderId);
        var deliveriesByOrder = db.Deliveries.ToLookup(d => d.OrderId);
        var emailsByOrder = emails.ToLookup(e => e.OrderNumber, StringComparer.Ordinal);

        foreach (var duplicate in ordersByPayPalId.Where(g => g.Count() > 1))
        {
            violations.Add($"PayPal order {duplicate.Key} belongs to {duplicate.Count()} orders in the service");
        }

        var paidAtSandbox = atPayPal.Values.Where(s => s.Paid).ToList();
        foreach (var paid in paidAtSandbox)
        {
            var order = ordersByPayPalId[paid.Id].FirstOrDefault();
            if (order is null)
            {
                violations.Add($"payment lost: PayPal order {paid.Id} is paid but the service has no order for it");
                continue;
            }

            if (order.Status != "paid")
            {
                violations.Add($"payment not applied: {order.OrderNumber} (PayPal {paid.Id}) is paid at PayPal but {order.Status} in the service");
            }

            var licenses = licensesByOrder[order.Id].ToList();
            for (var line = 1; line <= LinesPerOrder; line++)
            {
                var activeOnLine = licenses.Count(l => l.LineNo == line && l.Status == "active");
                if (activeOnLine != 1)
                {
                    violations.Add($"{order.OrderNumber}: {activeOnLine} active licenses on line {line}, expected 1");
                }
            }

            foreach (var odd in licenses.Where(l => l.LineNo is < 1 or > LinesPerOrder || l.Status != "active"))
            {
                violations.Add($"{order.OrderNumber}: unexpected license on line {odd.LineNo} with status {odd.Status}");
            }

            var mails = deliveriesByOrder[order.Id].Where(d => d.Kind == "license").ToList();
            if (mails.Count != 1 || mails[0].Status != "sent")
            {
                violations.Add($"{order.OrderNumber}: license e-mails {Describe(mails)}, expected exactly one sent");
            }

            var files = emailsByOrder[order.OrderNumber].ToList();
            if (files.Count != 1)
            {
                violations.Add($"{order.OrderNumber}: {files.Count} .eml files, expected 1");
            }
            else if (licenses.FirstOrDefault(l => l.Status == "active") is { } license && !CarriesKey(files[0].Path, license.Key))
            {
                violations.Add($"{order.OrderNumber}: the e-mail {Path.GetFileName(files[0].Path)} does not carry the license key");
            }
        }

        var paidIds = paidAtSandbox.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var order in db.Orders.Where(o => o.PayPalOrderId is null || !paidIds.Contains(o.PayPalOrderId)))
        {
            var state = order.PayPalOrderId is { } id && atPayPal.TryGetValue(id, out var s) ? s.Status : "unknown";
            if (order.Status == "paid")
            {
                violations.Add($"paid without payment: {order.OrderNumber} is paid in the service but {state} at PayPal");
            }

            if (licensesByOrder[order.Id].Any())
            {
                violations.Add($"license without payment: {order.OrderNumber} ({state} at PayPal) has {licensesByOrder[order.Id].Count()} license(s)");
            }

            if (deliveriesByOrder[order.Id].Any() || emailsByOrder[order.OrderNumber].Any())
            {
                violations.Add($"e-mail without payment: {order.OrderNumber} ({state} at PayPal) has deliveries {Describe([.. deliveriesByOrder[order.Id]])} and {emailsByOrder[order.OrderNumber].Count()} .eml file(s)");
            }
        }

        foreach (var stray in emails.Where(e => !ordersByNumber.ContainsKey(e.OrderNumber)))
        {
            violations.Add($"e-mail for an unknown order: {Path.GetFileName(stray.Path)}");
        }

        foreach (var purchase in purchases)
        {
            if (purchase.OrderNumber is { } number && !ordersByNumber.ContainsKey(number))
            {
                violations.Add($"acknowledged checkout lost: purchase {purchase.Index} got order {number}, which the service does not have");
            }

            if (purchase.Approved && !(atPayPal.TryGetValue(purchase.PayPalOrderId!, out var state) && state.Paid))
            {
                violations.Add($"approved but never captured: purchase {purchase.Index}, {purchase.OrderNumber} (PayPal {purchase.PayPalOrderId}) is {(state is null ? "unknown" : state.Status)} at PayPal");
            }
        }

        var active = db.Licenses.Count(l => l.Status == "active");
        return new VerificationResult(
            db.Orders.Count,
            paidAtSandbox.Count,
            db.Orders.Count(o => o.Status == "paid"),
            active,
            db.Deliveries.Count(d => d.Kind == "license" && d.Status == "sent"),
            emails.Count,
            violations);
    }

    // {id:D8}-{kind}-{orderNumber}.eml, as the pickup transport names them.
    public static IReadOnlyList<EmailFile> ReadOutbox(string outbox, List<string> problems)
    {
        if (!Directory.Exists(outbox))
        {
            return [];
        }

        List<EmailFile> files = [];
        foreach (var path in Directory.EnumerateFiles(outbox).Where(p => p.EndsWith(".eml", StringComparison.Ordinal)))
        {
            var match = EmlName().Match(Path.GetFileName(path));
            if (match.Success)
            {
                files.Add(new EmailFile(path, match.Groups["kind"].Value, match.Groups["order"].Value));
            }
            else
            {
                problems.Add($"unexpected file in the outbox: {Path.GetFileName(path)}");
            }
        }

        return files;
    }

    // Every .eml file put in place more than once is an e-mail sent twice. That is allowed only where
    // a kill explains it: the file was already written while its delivery was still `sending` right
    // after a kill, i.e. its sender may have died between sending and recording the send.
    public static (int Explained, IReadOnlyList<string> Violations) CheckResends(
        IReadOnlyDictionary<string, int> writes, IReadOnlySet<string> sentBeforeSenderDied)
    {
        var explained = 0;
        List<string> violations = [];
        foreach (var (name, count) in writes.Where(w => w.Value > 1).OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            if (sentBeforeSenderDied.Contains(name))
            {
                explained++;
            }
            else
            {
                violations.Add($"e-mail sent twice: {name} was written {count} times and no kill caught its sender between sending and recording it");
            }
        }

        return (explained, violations);
    }

    // The delivery id at the start of an outbox file name.
    public static long? DeliveryIdOf(string fileName)
    {
        var dash = fileName.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && long.TryParse(fileName.AsSpan(0, dash), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id)
            ? id
            : null;
    }

    private static bool CarriesKey(string path, string key)
    {
        // Undo quoted-printable soft line breaks; the key itself is plain ASCII.
        var text = File.ReadAllText(path).Replace("=\r\n", "", StringComparison.Ordinal).Replace("=\n", "", StringComparison.Ordinal);
        return text.Contains(key, StringComparison.Ordinal);
    }

    private static string Describe(List<DeliveryRecord> deliveries) =>
        deliveries.Count == 0 ? "none" : string.Join(", ", deliveries.Select(d => $"#{d.Id} {d.Kind} {d.Status}"));

    [GeneratedRegex(@"^\d+-(?<kind>[a-z]+)-(?<order>ORD-[0-9A-Z]+)\.eml$")]
    private static partial Regex EmlName();
}
