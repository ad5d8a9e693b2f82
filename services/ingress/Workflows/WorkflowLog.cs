using Grpc.Core;

namespace RedisStreamDemo.Ingress.Workflows;

/// <summary>Messages of workflow correlation mode: the workflow, its activity and the purger.</summary>
internal static partial class WorkflowLog
{
    // Debug: the reply handler's "handed to the waiting request" (3004) already says this at Information.
    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Request {RequestId} answered by terminal {Terminal}")]
    public static partial void ReplyReceived(this ILogger logger, string requestId, string terminal);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Request {RequestId} got no reply within {ReplyDeadline}")]
    public static partial void DeadlinePassed(this ILogger logger, string requestId, TimeSpan replyDeadline);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "Request {RequestId} could not be published: {Error}")]
    public static partial void PublishFailed(this ILogger logger, string requestId, string error);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Debug, Message = "Published request {RequestId} to {Topic}")]
    public static partial void Published(this ILogger logger, string requestId, string topic);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Purged {Purged} finished workflow instances; {Tracked} still tracked")]
    public static partial void Purged(this ILogger logger, int purged, int tracked);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "Could not sweep workflow instance {InstanceId} ({StatusCode}); trying again at the next interval")]
    public static partial void InstanceNotSwept(this ILogger logger, Exception exception, string instanceId, StatusCode statusCode);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Warning, Message = "Purging finished workflows interrupted; retrying at the next interval")]
    public static partial void SweepInterrupted(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Warning, Message = "Schedule of request {RequestId} timed out; started all the same: {How}")]
    public static partial void StartConfirmed(this ILogger logger, string requestId, string how);
}
