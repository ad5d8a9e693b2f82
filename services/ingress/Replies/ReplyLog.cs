namespace IngressService.Replies;

// Reply handling messages, the same in both correlation modes.
internal static partial class ReplyLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a reply that could not be parsed")]
    public static partial void Unparseable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a reply for unknown request {RequestId}")]
    public static partial void UnknownRequest(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored a duplicate reply for request {RequestId} ({Status})")]
    public static partial void Duplicate(ILogger logger, string requestId, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not deliver the reply for request {RequestId}; asking for redelivery")]
    public static partial void Transient(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reply for request {RequestId} arrived through the dead-letter topic: its delivery ran out of retries")]
    public static partial void DeadLettered(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reply for request {RequestId} from terminal {Terminal} handed to the waiting request")]
    public static partial void Handed(ILogger logger, string requestId, string terminal);
}
