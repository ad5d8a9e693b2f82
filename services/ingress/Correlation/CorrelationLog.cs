namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>Reply handling messages, the same in both correlation modes.</summary>
internal static partial class CorrelationLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Dropped a reply for unknown request {RequestId}")]
    public static partial void UnknownRequest(this ILogger logger, string requestId);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Debug, Message = "Ignored a duplicate reply for request {RequestId} ({Status})")]
    public static partial void DuplicateReply(this ILogger logger, string requestId, string status);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Could not deliver the reply for request {RequestId}; asking for redelivery")]
    public static partial void ReplyNotDelivered(this ILogger logger, Exception exception, string requestId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Reply for request {RequestId} from terminal {Terminal} handed to the waiting request")]
    public static partial void ReplyHanded(this ILogger logger, string requestId, string terminal);
}
