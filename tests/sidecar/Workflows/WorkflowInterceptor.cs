using System.Collections.Concurrent;
using System.Diagnostics;
using DurableTask.Core;
using Grpc.Core;
using Grpc.Core.Interceptors;
using TestSidecar.Diagnostics;
using TestSidecar.PubSub;
using P = Microsoft.DurableTask.Protobuf;

namespace TestSidecar.Workflows;

/// <summary>
/// What daprd's workflow backend adds around the engine's TaskHubSidecarService calls:
/// <list type="bullet">
/// <item>Activity trace context: see <see cref="WorkflowTraceContexts"/>.</item>
/// <item>Work items sent on a GetWorkItems stream that ends before they are completed are abandoned
/// for the next worker: see <see cref="WorkItemStreams"/>.</item>
/// <item>daprd's instance rules (a create waits for a worker and for the first turn, an active id
/// cannot be created again, unknown ids are errors, ids are case-sensitive) and its waits
/// (terminate, suspend and resume return once the instance reached that state): see
/// <see cref="WorkflowInstances"/>.</item>
/// <item>daprd's workflow metrics (dapr/dapr v1.18.3 pkg/diagnostics/workflow_monitoring.go), recorded
/// where daprd records them: <c>create_workflow</c> for a start, <c>add_event</c> for raise event,
/// suspend, resume and terminate, <c>purge_workflow</c> for a purge, each success or failed with its
/// latency (pkg/runtime/wfengine/backends/actors/actors.go); a workflow's execution when it completes,
/// failed or terminated (pkg/actors/targets/workflow/orchestrator/run.go, not for a continue-as-new);
/// an activity's operation when it is scheduled and its execution when its result comes back, success
/// or failed (pkg/actors/targets/workflow/activity/owner.go, publish.go).</item>
/// </list>
/// </summary>
internal sealed class WorkflowInterceptor(WorkflowTraceContexts traces, WorkItemStreams streams, WorkflowInstances instances, DaprMetrics? metrics = null) : Interceptor
{
    // instanceId_taskId -> the scheduled activity's name and when it was scheduled.
    private readonly ConcurrentDictionary<string, (string Name, long Scheduled)> _activities = new(StringComparer.Ordinal);

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        if (request is P.GetWorkItemsRequest && responseStream is IServerStreamWriter<P.WorkItem> workItems)
        {
            return streams.RunAsync(workItems, context, tracked => continuation(request, (IServerStreamWriter<TResponse>)tracked, context));
        }
        return continuation(request, responseStream, context);
    }

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var operation = request switch
        {
            P.CreateInstanceRequest => DaprMetrics.CreateWorkflow,
            P.RaiseEventRequest or P.SuspendRequest or P.ResumeRequest or P.TerminateRequest => DaprMetrics.AddEvent,
            P.PurgeInstancesRequest => DaprMetrics.PurgeWorkflow,
            _ => null,
        };
        if (operation is null || metrics is null)
        {
            return await HandleAsync(request, context, continuation, () => { });
        }
        var started = Stopwatch.GetTimestamp();
        var recorded = false;
        void Record(string status)
        {
            if (!recorded)
            {
                recorded = true;
                metrics.WorkflowOperationEvent(operation, status, DaprMetrics.ElapsedMilliseconds(started));
            }
        }
        try
        {
            var response = await HandleAsync(request, context, continuation, () => Record(DaprMetrics.StatusSuccess));
            Record(DaprMetrics.StatusSuccess);
            return response;
        }
        catch
        {
            Record(DaprMetrics.StatusFailed);
            throw;
        }
    }

    // added: the operation reached the backend (daprd's metric ends there; the waits after it are the executor's).
    private async Task<TResponse> HandleAsync<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation, Action added)
        where TRequest : class
        where TResponse : class
    {
        switch (request)
        {
            case P.CreateInstanceRequest start:
                return await StartAsync(start, context, () => instances.StartAsync(start.InstanceId, start.ScheduledStartTimestamp?.ToDateTime(), context, async () =>
                {
                    var created = await continuation(request, context);
                    added();
                    return created;
                }));
            case P.RaiseEventRequest raise:
                await instances.RequireExistsAsync(raise.InstanceId, "");
                return await continuation(request, context);
            case P.SuspendRequest suspend:
                // executor.go SuspendInstance waits for SUSPENDED or a terminal state.
                return await SubmitThenAwaitAsync(suspend.InstanceId, OrchestrationStatus.Suspended);
            case P.ResumeRequest resume:
                // executor.go ResumeInstance waits for RUNNING or a terminal state.
                return await SubmitThenAwaitAsync(resume.InstanceId, OrchestrationStatus.Running);
            case P.TerminateRequest terminate:
                await instances.RequireExistsAsync(terminate.InstanceId, "failed to submit termination request: ");
                TResponse terminated;
                try
                {
                    terminated = await continuation(request, context);
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Unknown)
                {
                    // executor.go TerminateInstance wraps AddNewWorkflowEvent's error.
                    throw new RpcException(new Status(StatusCode.Unknown, "failed to submit termination request: " + ex.Status.Detail));
                }
                added();
                traces.Forget(terminate.InstanceId);
                // executor.go TerminateInstance returns after WaitForInstanceCompletion.
                await instances.WaitForAsync(terminate.InstanceId, s => s is null || WorkflowInstances.IsTerminal(s.OrchestrationStatus), context.CancellationToken);
                return terminated;
            case P.PurgeInstancesRequest purge:
                if (purge.RequestCase == P.PurgeInstancesRequest.RequestOneofCase.InstanceId)
                {
                    await instances.RequirePurgeableAsync(purge.InstanceId, purge.Recursive);
                }
                var purged = await continuation(request, context);
                if (purge.RequestCase == P.PurgeInstancesRequest.RequestOneofCase.InstanceId)
                {
                    traces.Forget(purge.InstanceId);
                }
                return purged;
            case P.GetInstanceRequest get:
                var found = await continuation(request, context);
                // The engine matches ids ignoring case; daprd's actor ids are ordinal.
                if (found is P.GetInstanceResponse { Exists: true } instance && !string.Equals(instance.OrchestrationState?.InstanceId, get.InstanceId, StringComparison.Ordinal))
                {
                    return (TResponse)(object)new P.GetInstanceResponse { Exists = false };
                }
                return found;
            case P.OrchestratorResponse response:
                await ApplyAsync(response);
                return await continuation(request, context);
            case P.ActivityResponse result:
                if (metrics is not null && _activities.TryRemove(ActivityKey(result.InstanceId, result.TaskId), out var activity))
                {
                    metrics.ActivityExecutionEvent(activity.Name, result.FailureDetails is null ? DaprMetrics.StatusSuccess : DaprMetrics.StatusFailed, DaprMetrics.ElapsedMilliseconds(activity.Scheduled));
                }
                return await continuation(request, context);
            default:
                return await continuation(request, context);
        }

        // Suspend and resume: submitted to the backend, then awaited until the instance shows it.
        async Task<TResponse> SubmitThenAwaitAsync(string instanceId, OrchestrationStatus awaited)
        {
            await instances.RequireExistsAsync(instanceId, "");
            var submitted = await continuation(request, context);
            added();
            await instances.WaitForAsync(instanceId, s => s is null || s.OrchestrationStatus == awaited || WorkflowInstances.IsTerminal(s.OrchestrationStatus), context.CancellationToken);
            return submitted;
        }
    }

    private async Task<TResponse> StartAsync<TResponse>(P.CreateInstanceRequest request, ServerCallContext context, Func<Task<TResponse>> start)
    {
        // durabletask-go parents the instance on the request's parentTraceContext, else on daprd's
        // gRPC server span (from traceparent or grpc-trace-bin, or a new trace).
        var trace = TraceContext.TryParse(request.ParentTraceContext?.TraceParent, request.ParentTraceContext?.TraceState, out var parent)
            ? parent
            : TraceContext.FromGrpcCaller(context.RequestHeaders);
        // daprd records the caller's context in the ExecutionStarted event, so it is stored with the
        // instance and a sidecar that resumes it after a restart still parents its activities on it.
        request.ParentTraceContext ??= new P.TraceContext { TraceParent = trace.TraceParent, TraceState = trace.TraceState };
        // Recorded before the engine sees the instance: its first turn can complete before StartInstance returns.
        var added = request.InstanceId.Length > 0 && traces.TryStart(request.InstanceId, trace);
        try
        {
            return await start();
        }
        catch when (added)
        {
            traces.Forget(request.InstanceId);
            throw;
        }
    }

    private async Task ApplyAsync(P.OrchestratorResponse response)
    {
        var received = Stopwatch.GetTimestamp();
        foreach (var action in response.Actions)
        {
            if (action.ScheduleTask is { } schedule)
            {
                if (metrics is not null)
                {
                    _activities[ActivityKey(response.InstanceId, action.Id)] = (schedule.Name, Stopwatch.GetTimestamp());
                    metrics.ActivityOperationEvent(schedule.Name, DaprMetrics.StatusSuccess, DaprMetrics.ElapsedMilliseconds(received));
                }
                if (traces.ActivitySpan(response.InstanceId) is { } span)
                {
                    schedule.ParentTraceContext = new P.TraceContext { TraceParent = span.TraceParent, TraceState = span.TraceState };
                }
            }
            else if (action.CompleteOrchestration is { } complete)
            {
                var status = complete.OrchestrationStatus switch
                {
                    P.OrchestrationStatus.Completed => DaprMetrics.StatusSuccess,
                    P.OrchestrationStatus.Failed => DaprMetrics.StatusFailed,
                    P.OrchestrationStatus.Terminated => DaprMetrics.StatusTerminated,
                    _ => null,
                };
                if (metrics is not null && status is not null && await instances.FindAsync(response.InstanceId) is { } instance)
                {
                    metrics.WorkflowExecutionEvent(instance.Name, status, ExecutionMilliseconds(instance));
                }
                if (complete.OrchestrationStatus == P.OrchestrationStatus.ContinuedAsNew)
                {
                    traces.ContinueAsNew(response.InstanceId);
                }
                else
                {
                    traces.Forget(response.InstanceId);
                }
            }
        }
    }

    private static string ActivityKey(string instanceId, int taskId) => instanceId + "_" + taskId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // run.go calculateWorkflowExecutionLatency: from the first turn's start to the completion (here: from the instance's creation).
    private static double ExecutionMilliseconds(OrchestrationState instance) =>
        (DateTime.UtcNow - instance.CreatedTime.ToUniversalTime()).TotalMilliseconds;
}
