using Dapr.Workflow;
using IngressService.Forecasts;
using IngressService.Replies;
using IngressService.Workflows;
using Microsoft.Extensions.Options;
using RedisStreamDemo.Contracts;

namespace IngressService.Correlation;

// Workflow mode: one ForecastWorkflow instance per request (instance id = request id) publishes the
// request and waits for the reply, which the reply subscription raises as an external event.
internal sealed partial class WorkflowCorrelation(
    IDaprWorkflowClient workflows,
    WorkflowInstanceTracker tracker,
    IngressMetrics metrics,
    TimeProvider time,
    IOptions<ForecastOptions> forecastOptions,
    IOptions<WorkflowOptions> workflowOptions,
    ILogger<WorkflowCorrelation> logger) : IRequestCorrelation
{
    public int InFlight => tracker.InFlight;

    public async Task<StartResult> StartAsync(WeatherRequest request, CancellationToken cancellationToken)
    {
        var requestId = request.RequestId;
        if (!tracker.TryTrack(requestId))
        {
            return StartResult.Overloaded;
        }

        using var call = ForecastEndpoints.SidecarCall(forecastOptions.Value, cancellationToken);
        try
        {
            await workflows.ScheduleNewWorkflowAsync(
                nameof(ForecastWorkflow),
                requestId,
                new ForecastWorkflowInput(request, workflowOptions.Value.ReplyDeadline),
                startTime: null,
                call.Token);
            return StartResult.Started;
        }
        catch (Exception ex) when (ForecastEndpoints.IsTransient(ex) || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // A schedule that timed out may still have created the instance (daprd goes on with a
            // create whose caller left): it stays tracked, the purger forgets it if the sidecar does
            // not know it, and the client is given its status URL instead of a 503 that would make
            // it send the same work again under a new id.
            if (ex is OperationCanceledException or Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.DeadlineExceeded or Grpc.Core.StatusCode.Cancelled })
            {
                return StartResult.Uncertain(ex);
            }

            tracker.Untrack(requestId);
            return StartResult.Unavailable(ex);
        }
    }

    public async Task<FinishedForecast> WaitAsync(string requestId, CancellationToken cancellationToken)
    {
        var state = await workflows.WaitForWorkflowCompletionAsync(requestId, getInputsAndOutputs: true, cancellationToken);
        return ForecastStatus.Finished(requestId, state, tracker);
    }

    public async Task<RequestLookup> GetAsync(string requestId, CancellationToken cancellationToken)
    {
        WorkflowState state;
        using var call = ForecastEndpoints.SidecarCall(forecastOptions.Value, cancellationToken);
        try
        {
            state = await workflows.GetWorkflowStateAsync(requestId, getInputsAndOutputs: true, call.Token);
        }
        catch (Exception ex) when (ForecastEndpoints.IsTransient(ex) || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new RequestLookup(LookupStatus.Unavailable, Error: ex);
        }

        if (!state.Exists || state.WorkflowName is { } name && name != nameof(ForecastWorkflow))
        {
            return RequestLookup.Unknown;
        }

        return FinishedWorkflowPurger.IsTerminal(state.RuntimeStatus)
            ? new RequestLookup(LookupStatus.Finished, ForecastStatus.Finished(requestId, state, tracker))
            : RequestLookup.Pending;
    }

    public async Task<ReplyHandling> DeliverAsync(WeatherReply reply, CancellationToken cancellationToken)
    {
        var requestId = reply.RequestId;
        using var call = ForecastEndpoints.SidecarCall(forecastOptions.Value, cancellationToken);

        // An instance this replica scheduled and has not seen finish is waiting for this event, so it
        // is raised at once: one sidecar call per reply instead of two. The sidecar delivers only
        // pubsub `concurrency` replies at a time, so the handler's length bounds reply throughput.
        // Anything else (another replica's instance, a restart, an error) takes the checked path.
        if (tracker.IsUnfinished(requestId, out var scheduledAt))
        {
            try
            {
                await workflows.RaiseEventAsync(requestId, ForecastWorkflow.ReplyEventName, reply, call.Token);
                return Raised(reply, scheduledAt);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                ReplyLog.Transient(logger, ex, requestId);
                return ReplyHandling.Retry;
            }
            catch (Exception ex) when (ForecastEndpoints.IsTransient(ex))
            {
                ReplyLog.Transient(logger, ex, requestId);
            }
        }

        DateTimeOffset createdAt;
        try
        {
            var state = await workflows.GetWorkflowStateAsync(requestId, getInputsAndOutputs: false, call.Token);
            if (!state.Exists)
            {
                ReplyLog.UnknownRequest(logger, requestId);
                return ReplyHandling.Drop;
            }

            if (FinishedWorkflowPurger.IsTerminal(state.RuntimeStatus))
            {
                // At-least-once delivery: a redelivered reply, or one that came after the deadline.
                ReplyLog.Duplicate(logger, requestId, state.RuntimeStatus.ToString());
                return ReplyHandling.Duplicate;
            }

            createdAt = state.CreatedAt;
            await workflows.RaiseEventAsync(requestId, ForecastWorkflow.ReplyEventName, reply, call.Token);
        }
        catch (Exception ex) when (ForecastEndpoints.IsTransient(ex)
            || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // No workflow worker yet, or the sidecar is unreachable: let the sidecar deliver again.
            ReplyLog.Transient(logger, ex, requestId);
            return ReplyHandling.Retry;
        }

        // Instances scheduled by another replica are not tracked here; their creation time stands in.
        return Raised(reply, tracker.TryGetScheduledAt(requestId, out var trackedAt) ? trackedAt : createdAt);
    }

    private ReplyHandling Raised(WeatherReply reply, DateTimeOffset acceptedAt)
    {
        if (acceptedAt != default)
        {
            metrics.ReplyObserved(time.GetUtcNow() - acceptedAt);
        }

        tracker.MarkFinished(reply.RequestId);
        ReplyLog.Handed(logger, reply.RequestId, reply.Terminal);
        return ReplyHandling.Success;
    }
}
