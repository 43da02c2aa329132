namespace Orders.Api.PaymentEvents;

internal sealed class JobsOptions
{
    public const string Section = "Jobs";

    // false: a web-only instance that stores and enqueues while other instances process.
    public bool RunServer { get; set; } = true;

    // This instance's Hangfire workers; unset: five per processor, at most 20.
    public int? WorkerCount { get; set; }
}
