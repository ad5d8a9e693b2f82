namespace RedisStreamDemo.Ingress.Direct;

/// <summary>Messages of direct correlation mode.</summary>
internal static partial class DirectLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Published request {RequestId} to {Topic}, replies to {ReplyTopic}")]
    public static partial void Published(this ILogger logger, string requestId, string topic, string replyTopic);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Request {RequestId} got no reply within {ReplyDeadline}")]
    public static partial void DeadlinePassed(this ILogger logger, string requestId, TimeSpan replyDeadline);
}
