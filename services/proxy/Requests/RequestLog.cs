namespace RedisStreamDemo.Proxy.Requests;

/// <summary>Messages of the weather-request subscription.</summary>
internal static partial class RequestLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Request {RequestId} for {City} processed on {Terminal}")]
    public static partial void Processed(this ILogger logger, string requestId, string city, string terminal);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information,
        Message = "Request {RequestId} was already answered; re-publishing the remembered reply")]
    public static partial void Republishing(this ILogger logger, string requestId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information,
        Message = "Request {RequestId} is already being processed; this delivery waits for that outcome")]
    public static partial void JoinedInFlight(this ILogger logger, string requestId);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning,
        Message = "No terminal came free for request {RequestId}; answering RETRY")]
    public static partial void TerminalsBusy(this ILogger logger, string requestId);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information,
        Message = "Shutting down; request {RequestId} answered RETRY for redelivery")]
    public static partial void ShuttingDown(this ILogger logger, string requestId);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning,
        Message = "Publishing the reply to request {RequestId} failed; answering RETRY")]
    public static partial void PublishFailed(this ILogger logger, Exception exception, string requestId);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Warning,
        Message = "Delivery is not a valid weather request (request id {RequestId}); answering DROP, which dead-letters it")]
    public static partial void Poison(this ILogger logger, string? requestId);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning,
        Message = "Request {RequestId} for {City} reached the dead-letter topic and cannot be processed; it will not be answered")]
    public static partial void DeadLettered(this ILogger logger, string? requestId, string? city);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning,
        Message = "Request {RequestId} names reply topic {ReplyTopic}, which is not a weather-responses topic; replying on weather-responses")]
    public static partial void ReplyTopicRefused(this ILogger logger, string requestId, string replyTopic);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning,
        Message = "The reply store did not answer for request {RequestId}; answering RETRY")]
    public static partial void ReplyStoreFailed(this ILogger logger, Exception exception, string requestId);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Warning,
        Message = "Request {RequestId} for {City} reached the dead-letter topic after its delivery retries ran out; processing it from there")]
    public static partial void DeadLetteredRequestProcessed(this ILogger logger, string requestId, string city);
}
