using System.ComponentModel.DataAnnotations;

namespace RedisStreamDemo.Proxy.Requests;

internal sealed class ReplyOptions
{
    public const string SectionName = "Replies";

    // How long a reply stays in the reply store. Longer than Dapr keeps redelivering: the inbound
    // retry budget is at most 100 s, and a reclaim comes after the pubsub's processingTimeout.
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromMinutes(10);

    // A reply-store call that takes longer counts as failed and the delivery is answered RETRY.
    // Terminal acquire + store read + store save + publish stay below the resiliency's delivery
    // timeout (12 s), so the proxy answers RETRY itself before daprd cuts the delivery off.
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan StoreTimeout { get; set; } = TimeSpan.FromSeconds(2);

    // A publish that takes longer counts as failed and the delivery is answered RETRY. As long as one
    // attempt of the sidecar's publish (timeout 5 s); quick failures are retried inside it.
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
