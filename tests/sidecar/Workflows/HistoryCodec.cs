using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Tracing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using P = Microsoft.DurableTask.Protobuf;

namespace TestSidecar.Workflows;

/// <summary>
/// History events as daprd stores them: the durabletask protobuf <c>HistoryEvent</c>, binary
/// (dapr/dapr v1.18.3 pkg/runtime/wfengine/state/state.go marshals each inbox and history row with
/// proto.Marshal). The engine works on DurableTask.Core's event classes; this converts both ways
/// for the events a workflow of this project writes. A history with another kind of event (sub-
/// workflows, entities) is refused by name rather than stored wrongly.
/// </summary>
internal static class HistoryCodec
{
    public static byte[] Encode(HistoryEvent e) => ToProto(e).ToByteArray();

    public static HistoryEvent Decode(byte[] bytes) => FromProto(P.HistoryEvent.Parser.ParseFrom(bytes));

    public static P.HistoryEvent ToProto(HistoryEvent e)
    {
        var proto = new P.HistoryEvent { EventId = e.EventId, Timestamp = Timestamp.FromDateTime(Utc(e.Timestamp)) };
        switch (e)
        {
            case ExecutionStartedEvent started:
                proto.ExecutionStarted = new P.ExecutionStartedEvent
                {
                    Name = started.Name ?? "",
                    Version = started.Version,
                    Input = started.Input,
                    OrchestrationInstance = new P.OrchestrationInstance
                    {
                        InstanceId = started.OrchestrationInstance.InstanceId,
                        ExecutionId = started.OrchestrationInstance.ExecutionId,
                    },
                    ScheduledStartTimestamp = started.ScheduledStartTime is { } at ? Timestamp.FromDateTime(Utc(at)) : null,
                    ParentTraceContext = Trace(started.ParentTraceContext),
                };
                if (started.Tags is { } tags)
                {
                    proto.ExecutionStarted.Tags.Add(tags);
                }
                break;
            case ExecutionCompletedEvent completed:
                proto.ExecutionCompleted = new P.ExecutionCompletedEvent
                {
                    OrchestrationStatus = (P.OrchestrationStatus)completed.OrchestrationStatus,
                    Result = completed.Result,
                    FailureDetails = Failure(completed.FailureDetails),
                };
                break;
            case ExecutionTerminatedEvent terminated:
                proto.ExecutionTerminated = new P.ExecutionTerminatedEvent { Input = terminated.Input };
                break;
            case ExecutionSuspendedEvent suspended:
                proto.ExecutionSuspended = new P.ExecutionSuspendedEvent { Input = suspended.Reason };
                break;
            case ExecutionResumedEvent resumed:
                proto.ExecutionResumed = new P.ExecutionResumedEvent { Input = resumed.Reason };
                break;
            case TaskScheduledEvent scheduled:
                proto.TaskScheduled = new P.TaskScheduledEvent
                {
                    Name = scheduled.Name ?? "",
                    Version = scheduled.Version,
                    Input = scheduled.Input,
                    ParentTraceContext = Trace(scheduled.ParentTraceContext),
                };
                if (scheduled.Tags is { } taskTags)
                {
                    proto.TaskScheduled.Tags.Add(taskTags);
                }
                break;
            case TaskCompletedEvent taskCompleted:
                proto.TaskCompleted = new P.TaskCompletedEvent { TaskScheduledId = taskCompleted.TaskScheduledId, Result = taskCompleted.Result };
                break;
            case TaskFailedEvent taskFailed:
                proto.TaskFailed = new P.TaskFailedEvent
                {
                    TaskScheduledId = taskFailed.TaskScheduledId,
                    FailureDetails = Failure(taskFailed.FailureDetails) ?? new P.TaskFailureDetails { ErrorMessage = taskFailed.Reason ?? "", StackTrace = taskFailed.Details },
                };
                break;
            case TimerCreatedEvent timerCreated:
                proto.TimerCreated = new P.TimerCreatedEvent { FireAt = Timestamp.FromDateTime(Utc(timerCreated.FireAt)) };
                break;
            case TimerFiredEvent timerFired:
                proto.TimerFired = new P.TimerFiredEvent { TimerId = timerFired.TimerId, FireAt = Timestamp.FromDateTime(Utc(timerFired.FireAt)) };
                break;
            case EventRaisedEvent raised:
                proto.EventRaised = new P.EventRaisedEvent { Name = raised.Name ?? "", Input = raised.Input };
                break;
            case EventSentEvent sent:
                proto.EventSent = new P.EventSentEvent { InstanceId = sent.InstanceId ?? "", Name = sent.Name ?? "", Input = sent.Input };
                break;
            case OrchestratorStartedEvent:
                proto.OrchestratorStarted = new P.OrchestratorStartedEvent();
                break;
            case OrchestratorCompletedEvent:
                proto.OrchestratorCompleted = new P.OrchestratorCompletedEvent();
                break;
            case GenericEvent generic:
                proto.GenericEvent = new P.GenericEvent { Data = generic.Data };
                break;
            default:
                throw new NotSupportedException($"test sidecar: history event {e.EventType} is not stored (daprd stores it; this project's workflows never write it)");
        }
        return proto;
    }

    public static HistoryEvent FromProto(P.HistoryEvent proto)
    {
        HistoryEvent e = proto.EventTypeCase switch
        {
            P.HistoryEvent.EventTypeOneofCase.ExecutionStarted => Started(proto.ExecutionStarted, proto.EventId),
            P.HistoryEvent.EventTypeOneofCase.ExecutionCompleted => new ExecutionCompletedEvent(
                proto.EventId, proto.ExecutionCompleted.Result, (OrchestrationStatus)proto.ExecutionCompleted.OrchestrationStatus, Failure(proto.ExecutionCompleted.FailureDetails)),
            P.HistoryEvent.EventTypeOneofCase.ExecutionTerminated => new ExecutionTerminatedEvent(proto.EventId, proto.ExecutionTerminated.Input),
            P.HistoryEvent.EventTypeOneofCase.ExecutionSuspended => new ExecutionSuspendedEvent(proto.EventId, proto.ExecutionSuspended.Input),
            P.HistoryEvent.EventTypeOneofCase.ExecutionResumed => new ExecutionResumedEvent(proto.EventId, proto.ExecutionResumed.Input),
            P.HistoryEvent.EventTypeOneofCase.TaskScheduled => Scheduled(proto.TaskScheduled, proto.EventId),
            P.HistoryEvent.EventTypeOneofCase.TaskCompleted => new TaskCompletedEvent(proto.EventId, proto.TaskCompleted.TaskScheduledId, proto.TaskCompleted.Result),
            P.HistoryEvent.EventTypeOneofCase.TaskFailed => new TaskFailedEvent(
                proto.EventId, proto.TaskFailed.TaskScheduledId, proto.TaskFailed.FailureDetails?.ErrorMessage, proto.TaskFailed.FailureDetails?.StackTrace, Failure(proto.TaskFailed.FailureDetails)),
            P.HistoryEvent.EventTypeOneofCase.TimerCreated => new TimerCreatedEvent(proto.EventId, proto.TimerCreated.FireAt.ToDateTime()),
            P.HistoryEvent.EventTypeOneofCase.TimerFired => new TimerFiredEvent(proto.EventId, proto.TimerFired.FireAt.ToDateTime()) { TimerId = proto.TimerFired.TimerId },
            P.HistoryEvent.EventTypeOneofCase.EventRaised => new EventRaisedEvent(proto.EventId, proto.EventRaised.Input) { Name = proto.EventRaised.Name },
            P.HistoryEvent.EventTypeOneofCase.EventSent => new EventSentEvent(proto.EventId) { InstanceId = proto.EventSent.InstanceId, Name = proto.EventSent.Name, Input = proto.EventSent.Input },
            P.HistoryEvent.EventTypeOneofCase.OrchestratorStarted => new OrchestratorStartedEvent(proto.EventId),
            P.HistoryEvent.EventTypeOneofCase.OrchestratorCompleted => new OrchestratorCompletedEvent(proto.EventId),
            P.HistoryEvent.EventTypeOneofCase.GenericEvent => new GenericEvent(proto.EventId, proto.GenericEvent.Data),
            _ => throw new NotSupportedException($"test sidecar: stored history event {proto.EventTypeCase} is not read back"),
        };
        e.Timestamp = proto.Timestamp?.ToDateTime() ?? DateTime.UtcNow;
        return e;
    }

    private static ExecutionStartedEvent Started(P.ExecutionStartedEvent proto, int eventId)
    {
        var started = new ExecutionStartedEvent(eventId, proto.Input)
        {
            Name = proto.Name,
            Version = proto.Version,
            OrchestrationInstance = new OrchestrationInstance { InstanceId = proto.OrchestrationInstance.InstanceId, ExecutionId = proto.OrchestrationInstance.ExecutionId },
            ScheduledStartTime = proto.ScheduledStartTimestamp?.ToDateTime(),
            Tags = new Dictionary<string, string>(proto.Tags, StringComparer.Ordinal),
        };
        if (proto.ParentTraceContext is { } trace)
        {
            started.ParentTraceContext = new DistributedTraceContext(trace.TraceParent, trace.TraceState);
        }
        return started;
    }

    private static TaskScheduledEvent Scheduled(P.TaskScheduledEvent proto, int eventId)
    {
        var scheduled = new TaskScheduledEvent(eventId, proto.Name, proto.Version, proto.Input);
        if (proto.Tags.Count > 0)
        {
            scheduled.Tags = new Dictionary<string, string>(proto.Tags, StringComparer.Ordinal);
        }
        if (proto.ParentTraceContext is { } trace)
        {
            scheduled.ParentTraceContext = new DistributedTraceContext(trace.TraceParent, trace.TraceState);
        }
        return scheduled;
    }

    private static P.TraceContext? Trace(DistributedTraceContext? trace) =>
        trace is null ? null : new P.TraceContext { TraceParent = trace.TraceParent ?? "", TraceState = trace.TraceState };

    private static P.TaskFailureDetails? Failure(FailureDetails? failure) =>
        failure is null ? null : new P.TaskFailureDetails
        {
            ErrorType = failure.ErrorType ?? "",
            ErrorMessage = failure.ErrorMessage ?? "",
            StackTrace = failure.StackTrace,
            InnerFailure = Failure(failure.InnerFailure),
            IsNonRetriable = failure.IsNonRetriable,
        };

    private static FailureDetails? Failure(P.TaskFailureDetails? failure) =>
        failure is null ? null : new FailureDetails(failure.ErrorType, failure.ErrorMessage, failure.StackTrace, Failure(failure.InnerFailure), failure.IsNonRetriable);

    private static DateTime Utc(DateTime at) => at.Kind switch
    {
        DateTimeKind.Utc => at,
        DateTimeKind.Local => at.ToUniversalTime(),
        _ => DateTime.SpecifyKind(at, DateTimeKind.Utc),
    };
}
