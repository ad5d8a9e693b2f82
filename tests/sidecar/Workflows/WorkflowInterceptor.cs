using DurableTask.Core;
using Grpc.Core;
using Grpc.Core.Interceptors;
using TestSidecar.PubSub;
using P = Microsoft.DurableTask.Protobuf;

namespace TestSidecar.Workflows;

/// <summary>
/// What daprd's workflow backend adds around the engine's TaskHubSidecarService calls:
/// <list type="bullet">
/// <item>Calls that make daprd load and save the workflow actor's state (start, raise event,
/// suspend, resume, terminate, purge) fail while the actor state store does not answer, with the
/// plain error daprd returns (gRPC Unknown, the state store's error in the message). Completing a
/// work item does not touch the store in daprd (the result goes to an in-memory waiter; the save
/// after it is retried by the actor's reminder), so those calls are left alone.</item>
/// <item>Activity trace context: see <see cref="WorkflowTraceContexts"/>.</item>
/// <item>Work items sent on a GetWorkItems stream that ends before they are completed are abandoned
/// for the next worker: see <see cref="WorkItemStreams"/>.</item>
/// <item>daprd's instance rules (a create waits for a worker and for the first turn, an active id
/// cannot be created again, unknown ids are errors, ids are case-sensitive) and its waits
/// (terminate, suspend and resume return once the instance reached that state): see
/// <see cref="WorkflowInstances"/>.</item>
/// </list>
/// </summary>
internal sealed class WorkflowInterceptor(WorkflowTraceContexts traces, WorkItemStreams streams, WorkflowInstances instances, ActorStateStore? store = null) : Interceptor
{
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
        switch (request)
        {
            case P.CreateInstanceRequest start:
                await RequireStoreAsync("failed to create workflow instance: failed to load workflow metadata: ");
                return await StartAsync(start, context, () => instances.StartAsync(start.InstanceId, start.ScheduledStartTimestamp is not null, context, () => continuation(request, context)));
            case P.RaiseEventRequest raise:
                await RequireStoreAsync("");
                await instances.RequireExistsAsync(raise.InstanceId, "");
                return await continuation(request, context);
            case P.SuspendRequest suspend:
                await RequireStoreAsync("");
                await instances.RequireExistsAsync(suspend.InstanceId, "");
                var suspended = await continuation(request, context);
                // executor.go SuspendInstance waits for SUSPENDED or a terminal state.
                await instances.WaitForAsync(suspend.InstanceId, s => s is null || s.OrchestrationStatus == OrchestrationStatus.Suspended || WorkflowInstances.IsTerminal(s.OrchestrationStatus), context.CancellationToken);
                return suspended;
            case P.ResumeRequest resume:
                await RequireStoreAsync("");
                await instances.RequireExistsAsync(resume.InstanceId, "");
                var resumed = await continuation(request, context);
                // executor.go ResumeInstance waits for RUNNING or a terminal state.
                await instances.WaitForAsync(resume.InstanceId, s => s is null || s.OrchestrationStatus == OrchestrationStatus.Running || WorkflowInstances.IsTerminal(s.OrchestrationStatus), context.CancellationToken);
                return resumed;
            case P.TerminateRequest terminate:
                await RequireStoreAsync("failed to submit termination request: ");
                await instances.RequireExistsAsync(terminate.InstanceId, "failed to submit termination request: ");
                var terminated = await continuation(request, context);
                traces.Forget(terminate.InstanceId);
                // executor.go TerminateInstance returns after WaitForInstanceCompletion.
                await instances.WaitForAsync(terminate.InstanceId, s => s is null || WorkflowInstances.IsTerminal(s.OrchestrationStatus), context.CancellationToken);
                return terminated;
            case P.PurgeInstancesRequest purge:
                await RequireStoreAsync("failed to purge workflow state: ");
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
                Apply(response);
                return await continuation(request, context);
            default:
                return await continuation(request, context);
        }
    }

    private async Task RequireStoreAsync(string prefix)
    {
        if (store is not null && await store.ErrorAsync() is { } error)
        {
            throw new RpcException(new Status(StatusCode.Unknown, prefix + error));
        }
    }

    private async Task<TResponse> StartAsync<TResponse>(P.CreateInstanceRequest request, ServerCallContext context, Func<Task<TResponse>> start)
    {
        // durabletask-go parents the instance on the request's parentTraceContext, else on daprd's
        // gRPC server span (from traceparent or grpc-trace-bin, or a new trace).
        var trace = TraceContext.TryParse(request.ParentTraceContext?.TraceParent, request.ParentTraceContext?.TraceState, out var parent)
            ? parent
            : TraceContext.FromGrpcCaller(context.RequestHeaders);
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

    private void Apply(P.OrchestratorResponse response)
    {
        foreach (var action in response.Actions)
        {
            if (action.ScheduleTask is { } schedule && traces.ActivitySpan(response.InstanceId) is { } span)
            {
                schedule.ParentTraceContext = new P.TraceContext { TraceParent = span.TraceParent, TraceState = span.TraceState };
            }
            else if (action.CompleteOrchestration is { } complete)
            {
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
}
