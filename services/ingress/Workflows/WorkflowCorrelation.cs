using Dapr.Workflow;
using Grpc.Core;
using Microsoft.Extensions.Options;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.Ingress.Correlation;
using RedisStreamDemo.Ingress.Telemetry;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Ingress.Workflows;

/// <summary>
/// Workflow mode: one ForecastWorkflow instance per request (instance id = request id) publishes the
/// request and waits for the reply, which DeliverAsync raises on it as an external event when the
/// reply subscription hands the reply over.
/// </summary>
internal sealed class WorkflowCorrelation(
    IDaprWorkflowClient workflows,
    WorkflowInstanceTracker tracker,
    IngressMetrics metrics,
    TimeProvider time,
    IOptions<CorrelationOptions> options,
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

        using var call = SidecarCall.Start(options.Value, cancellationToken);
        try
        {
            await ScheduleAsync(request, call.Token);
            return StartResult.Started;
        }
        catch (Exception ex) when (SidecarCall.Failed(ex, cancellationToken))
        {
            if (IsUncertain(ex))
            {
                return await ConfirmAsync(request, ex, cancellationToken);
            }

            tracker.Untrack(requestId);
            return StartResult.Unavailable(ex);
        }
    }

    private Task ScheduleAsync(WeatherRequest request, CancellationToken cancellationToken) =>
        workflows.ScheduleNewWorkflowAsync(
            nameof(ForecastWorkflow),
            request.RequestId,
            new ForecastWorkflowInput(request, options.Value.ReplyDeadline),
            startTime: null,
            cancellationToken);

    // The schedule gave up before the sidecar answered: daprd may have created the instance (it goes
    // on with a create whose caller left) or not.
    private static bool IsUncertain(Exception exception) =>
        exception is OperationCanceledException or RpcException { StatusCode: StatusCode.DeadlineExceeded or StatusCode.Cancelled };

    // One more look settles most uncertain starts: an instance that exists was started; one that does
    // not is scheduled again under the same id, which answers AlreadyExists if the first create landed
    // meanwhile (orchestrator/create.go createIfCompleted). A completed instance is never scheduled
    // again, since daprd would run it a second time. What stays unsettled keeps the instance tracked
    // (the purger forgets it if the sidecar never knew it) and the client gets its status URL rather
    // than a 503 that would make it send the same work again under a new id.
    private async Task<StartResult> ConfirmAsync(WeatherRequest request, Exception uncertain, CancellationToken cancellationToken)
    {
        using var call = SidecarCall.Start(options.Value, cancellationToken);
        try
        {
            var state = await workflows.GetWorkflowStateAsync(request.RequestId, getInputsAndOutputs: false, call.Token);
            if (state.Exists)
            {
                logger.StartConfirmed(request.RequestId, "the instance exists");
                return StartResult.Started;
            }
            await ScheduleAsync(request, call.Token);
            logger.StartConfirmed(request.RequestId, "scheduled again");
            return StartResult.Started;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.AlreadyExists)
        {
            logger.StartConfirmed(request.RequestId, "the first schedule created it meanwhile");
            return StartResult.Started;
        }
        catch (Exception ex) when (SidecarCall.Failed(ex, cancellationToken))
        {
            return StartResult.Uncertain(uncertain);
        }
    }

    public async Task<FinishedRequest> WaitAsync(string requestId, CancellationToken cancellationToken)
    {
        var state = await workflows.WaitForWorkflowCompletionAsync(requestId, getInputsAndOutputs: true, cancellationToken);
        return Finished(requestId, state);
    }

    public async Task<RequestLookup> GetAsync(string requestId, CancellationToken cancellationToken)
    {
        WorkflowState state;
        using var call = SidecarCall.Start(options.Value, cancellationToken);
        try
        {
            state = await workflows.GetWorkflowStateAsync(requestId, getInputsAndOutputs: true, call.Token);
        }
        catch (Exception ex) when (SidecarCall.Failed(ex, cancellationToken))
        {
            return new RequestLookup(LookupStatus.Unavailable, Error: ex);
        }

        if (!state.Exists || state.WorkflowName is { } name && name != nameof(ForecastWorkflow))
        {
            return RequestLookup.Unknown;
        }

        return state.RuntimeStatus.IsTerminal()
            ? new RequestLookup(LookupStatus.Finished, Finished(requestId, state))
            : RequestLookup.Pending;
    }

    public async Task<ReplyHandling> DeliverAsync(WeatherReply reply, CancellationToken cancellationToken)
    {
        var requestId = reply.RequestId;
        using var call = SidecarCall.Start(options.Value, cancellationToken);

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
                logger.ReplyNotDelivered(ex, requestId);
                return ReplyHandling.Retry;
            }
            catch (Exception ex) when (SidecarErrors.IsTransient(ex))
            {
                logger.ReplyNotDelivered(ex, requestId);
            }
        }

        DateTimeOffset createdAt;
        try
        {
            var state = await workflows.GetWorkflowStateAsync(requestId, getInputsAndOutputs: false, call.Token);
            if (!state.Exists)
            {
                logger.UnknownRequest(requestId);
                return ReplyHandling.Drop;
            }

            if (state.RuntimeStatus.IsTerminal())
            {
                // At-least-once delivery: a redelivered reply, or one that came after the deadline.
                logger.DuplicateReply(requestId, state.RuntimeStatus.ToString());
                return ReplyHandling.Duplicate;
            }

            createdAt = state.CreatedAt;
            await workflows.RaiseEventAsync(requestId, ForecastWorkflow.ReplyEventName, reply, call.Token);
        }
        catch (Exception ex) when (SidecarCall.Failed(ex, cancellationToken))
        {
            // No workflow worker yet, or the sidecar is unreachable: let the sidecar deliver again.
            logger.ReplyNotDelivered(ex, requestId);
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
        logger.ReplyHanded(reply.RequestId, reply.Terminal);
        return ReplyHandling.Success;
    }

    private FinishedRequest Finished(string requestId, WorkflowState state)
    {
        tracker.MarkFinished(requestId);
        var result = state.RuntimeStatus == WorkflowRuntimeStatus.Completed
            ? state.ReadOutputAs<ForecastWorkflowResult>()
            : null;

        return result switch
        {
            { Outcome: ForecastOutcome.Answered, Reply: { } reply } => FinishedRequest.Answered(reply),
            { Outcome: ForecastOutcome.DeadlinePassed } => FinishedRequest.DeadlinePassed,
            _ => FinishedRequest.NotDelivered(state.RuntimeStatus.ToString()),
        };
    }
}
