using System.ComponentModel.DataAnnotations;

namespace ProxyService.Requests;

internal sealed class ReplyOptions
{
    public const string SectionName = "Replies";

    // Replies remembered for redeliveries; one entry per request, roughly a kilobyte each.
    [Range(1, 10_000_000)]
    public int CacheSize { get; set; } = 10_000;

    // Longer than Dapr keeps redelivering (the inbound retry policy runs about five minutes).
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan CacheDuration { get; set; } = TimeSpan.FromMinutes(10);

    // A publish that takes longer counts as failed and the delivery is answered RETRY.
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
