using RedisStreamDemo.Ingress.Telemetry;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>What became of a delivered reply: the ingress.replies.received result tag and the answer to the sidecar.</summary>
internal readonly record struct ReplyHandling(ReplyResult Result, TopicResponse Response)
{
    public static readonly ReplyHandling Success = new(ReplyResult.Success, TopicResponse.Success);
    public static readonly ReplyHandling Duplicate = new(ReplyResult.Duplicate, TopicResponse.Success);
    public static readonly ReplyHandling Drop = new(ReplyResult.Drop, TopicResponse.Drop);
    public static readonly ReplyHandling Retry = new(ReplyResult.Retry, TopicResponse.Retry);
}
