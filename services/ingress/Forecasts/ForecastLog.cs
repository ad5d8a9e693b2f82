namespace RedisStreamDemo.Ingress.Forecasts;

/// <summary>Messages of the forecast endpoints.</summary>
internal static partial class ForecastLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Accepted request {RequestId} for {City}")]
    public static partial void Accepted(this ILogger logger, string requestId, string city);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Refused a request: {InFlight} requests already in flight")]
    public static partial void Overloaded(this ILogger logger, int inFlight);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "Could not hand on request {RequestId}")]
    public static partial void HandOnFailed(this ILogger logger, Exception? exception, string requestId);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Warning, Message = "Scheduling request {RequestId} timed out; it may have been taken, so the client gets its status URL")]
    public static partial void HandOnUncertain(this ILogger logger, Exception? exception, string requestId);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Lost the sidecar while waiting for request {RequestId}; answering 202")]
    public static partial void WaitFailed(this ILogger logger, Exception exception, string requestId);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Could not read the state of request {RequestId}")]
    public static partial void StatusFailed(this ILogger logger, Exception? exception, string requestId);
}
