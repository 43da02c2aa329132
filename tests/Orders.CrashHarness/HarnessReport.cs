using System.Globalization;
using System.Text;

namespace Orders.CrashHarness;

public sealed record HarnessReport
{
    public int Seed { get; init; }
    public string Database { get; init; } = "Sqlite";
    public int Instances { get; init; } = 1;
    public int PurchasesStarted { get; init; }
    public int CheckoutsAnswered { get; init; }
    public int CheckoutsInterrupted { get; init; }
    public int CustomersGaveUp { get; init; }
    public int LeftUnapproved { get; init; }
    public int Approved { get; init; }
    public int ReturnedTo { get; init; }
    public int Kills { get; init; }
    public int Restarts { get; init; }
    public IReadOnlyList<int> KillsPerInstance { get; init; } = [];

    // Connections the balancer handed to each instance: how the traffic was spread.
    public IReadOnlyList<long> ConnectionsPerInstance { get; init; } = [];
    public int OrdersInService { get; init; }
    public int PaidAtSandbox { get; init; }
    public int PaidInService { get; init; }
    public int ActiveLicenses { get; init; }
    public int LicenseEmailsSent { get; init; }
    public int EmailFiles { get; init; }

    // .eml files written twice because their sender died between sending and recording the send
    // (allowed; any other second write is a violation).
    public int EmailsWrittenTwiceAfterSenderDied { get; init; }

    // What the kills caught in flight (distinct rows), read from the database while the service lay dead.
    public int EventsUnprocessedAtKills { get; init; }
    public int EmailsPendingAtKills { get; init; }
    public int EmailSendsCutOffByKills { get; init; }

    // The service answered 5xx (other than while starting) – not a violation, but worth a look.
    public int ServerErrors { get; init; }
    public int WebhookEvents { get; init; }
    public int WebhookDeliveriesRetried { get; init; }
    public int WebhookAttempts { get; init; }
    public int WebhooksGivenUp { get; init; }
    public bool Quiesced { get; init; }
    public TimeSpan PurchasePhase { get; init; }
    public TimeSpan QuiescenceWait { get; init; }
    public TimeSpan Elapsed { get; init; }
    public string WorkDirectory { get; init; } = "";
    public IReadOnlyList<string> Violations { get; init; } = [];

    public bool Passed => Violations.Count == 0;

    public string ToText()
    {
        var text = new StringBuilder();
        void Line(string name, object value) => text.AppendLine(CultureInfo.InvariantCulture, $"  {name,-34} {value}");
        static string Time(TimeSpan t) => t.ToString(@"h\:mm\:ss\.f", CultureInfo.InvariantCulture);

        text.AppendLine(Passed ? "PASSED: every payment ended in exactly one license and one e-mail" : $"FAILED: {Violations.Count} violation(s)");
        Line("seed", Seed);
        Line("database", Database);
        Line("service instances", Instances);
        Line("purchases started", PurchasesStarted);
        Line("checkouts answered", CheckoutsAnswered);
        Line("checkouts cut off by a kill", CheckoutsInterrupted);
        Line("customers who gave up", CustomersGaveUp);
        Line("left unapproved on purpose", LeftUnapproved);
        Line("approved at PayPal", Approved);
        Line("returned to the service", ReturnedTo);
        Line("kills (SIGKILL)", Kills);
        Line("restarts", Restarts);
        Line("kills per instance", string.Join(" / ", KillsPerInstance));
        Line("connections per instance", string.Join(" / ", ConnectionsPerInstance));
        Line("orders in the service", OrdersInService);
        Line("paid at sandbox", PaidAtSandbox);
        Line("paid in service", PaidInService);
        Line("active licenses", ActiveLicenses);
        Line("license e-mails sent", LicenseEmailsSent);
        Line(".eml files", EmailFiles);
        Line("e-mails sent twice (sender died)", EmailsWrittenTwiceAfterSenderDied);
        Line("events unprocessed at kills", EventsUnprocessedAtKills);
        Line("e-mails pending at kills", EmailsPendingAtKills);
        Line("e-mail sends cut off by kills", EmailSendsCutOffByKills);
        Line("webhook events / attempts", $"{WebhookEvents} / {WebhookAttempts}");
        Line("webhook deliveries retried", WebhookDeliveriesRetried);
        Line("webhook deliveries given up", WebhooksGivenUp);
        Line("service 5xx answers", ServerErrors);
        Line("quiescent", Quiesced ? "yes" : "NO (timed out)");
        Line("purchase phase", Time(PurchasePhase));
        Line("wait for quiescence", Time(QuiescenceWait));
        Line("elapsed", Time(Elapsed));
        Line("violations", Violations.Count);
        Line("work directory", WorkDirectory);
        foreach (var violation in Violations.Take(50))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  ! {violation}");
        }

        if (Violations.Count > 50)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  ! … and {Violations.Count - 50} more");
        }

        return text.ToString();
    }
}
