namespace RedisStreamDemo.Ingress.Replies;

/// <summary>Messages of the reply subscription itself; what the correlation mode does with a reply is in CorrelationLog.</summary>
internal static partial class ReplyLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Dropped a reply that could not be parsed")]
    public static partial void Unparseable(this ILogger logger);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning, Message = "Reply for request {RequestId} arrived through the dead-letter topic: its delivery ran out of retries")]
    public static partial void DeadLettered(this ILogger logger, string requestId);
}
