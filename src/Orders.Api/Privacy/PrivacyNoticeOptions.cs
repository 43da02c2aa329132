namespace Orders.Api.Privacy;

internal sealed class PrivacyNoticeOptions
{
    public const string Section = "Privacy";

    // Addresses handed to the outbox per step (and orders read per listing step).
    public int NoticeBatchSize { get; set; } = 100;

    // The pace of a notice mailing: it must not crowd out license e-mails or trip the relay's limits.
    public int NoticeEmailsPerMinute { get; set; } = 600;
}
