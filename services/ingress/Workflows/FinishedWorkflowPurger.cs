using System.Net.Sockets;
using Dapr.Workflow;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace IngressService.Workflows;

// Keeps the workflow state store from growing without bound: instances this replica scheduled are
// purged once they have been finished for longer than Workflows:Retention.
internal sealed partial class FinishedWorkflowPurger(
    IDaprWorkflowClient workflows,
    WorkflowInstanceTracker tracker,
    IngressMetrics metrics,
    TimeProvider time,
    IOptions<WorkflowOptions> options,
    ILogger<FinishedWorkflowPurger> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PurgeInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await SweepAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var purged = 0;
        try
        {
            foreach (var (instanceId, instance) in tracker.Snapshot())
            {
                try
                {
                    if (await SweepAsync(instanceId, instance, cancellationToken))
                    {
                        purged++;
                    }
                }
                catch (RpcException ex) when (IsNoSuchInstance(ex))
                {
                    // Purged already: by Dapr's own state retention policy, another replica, or an
                    // earlier sweep whose answer was lost.
                    tracker.Forget(instanceId);
                }
                catch (RpcException ex) when (ex.StatusCode is not (StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled))
                {
                    // This instance's problem, not the sidecar's: the others are still swept.
                    LogInstanceNotSwept(logger, ex, instanceId, ex.StatusCode);
                }
            }
        }
        catch (Exception ex) when (ex is RpcException or HttpRequestException or SocketException)
        {
            // The sidecar is away; the next tick tries again.
            LogSweepInterrupted(logger, ex);
        }

        if (purged > 0)
        {
            LogPurged(logger, purged, tracker.Count);
        }
    }

    // True when the instance was purged now.
    private async Task<bool> SweepAsync(string instanceId, TrackedInstance instance, CancellationToken cancellationToken)
    {
        if (instance.FinishedAt is null)
        {
            // Nobody polled this one (a 202 client that never came back): ask the sidecar.
            var state = await workflows.GetWorkflowStateAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
            if (!state.Exists)
            {
                tracker.Forget(instanceId);
                return false;
            }

            if (!IsTerminal(state.RuntimeStatus))
            {
                return false;
            }

            tracker.MarkFinished(instanceId);
        }

        if (instance.FinishedAt is { } finishedAt && time.GetUtcNow() - finishedAt >= options.Value.Retention)
        {
            await workflows.PurgeInstanceAsync(instanceId, cancellationToken);
            tracker.Forget(instanceId);
            metrics.WorkflowPurged();
            return true;
        }
        return false;
    }

    // daprd answers a call for an instance it does not have with "no such instance exists"
    // (durabletask-go api.ErrInstanceNotFound), as gRPC Unknown; NotFound is accepted too.
    private static bool IsNoSuchInstance(RpcException ex) =>
        ex.StatusCode == StatusCode.NotFound
        || ex.Status.Detail.Contains("no such instance exists", StringComparison.OrdinalIgnoreCase);

    public static bool IsTerminal(WorkflowRuntimeStatus status) => status is
        WorkflowRuntimeStatus.Completed or WorkflowRuntimeStatus.Failed or
        WorkflowRuntimeStatus.Terminated or WorkflowRuntimeStatus.Canceled;

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Purged} finished workflow instances; {Tracked} still tracked")]
    private static partial void LogPurged(ILogger logger, int purged, int tracked);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not sweep workflow instance {InstanceId} ({StatusCode}); trying again at the next interval")]
    private static partial void LogInstanceNotSwept(ILogger logger, Exception exception, string instanceId, StatusCode statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging finished workflows interrupted; retrying at the next interval")]
    private static partial void LogSweepInterrupted(ILogger logger, Exception exception);
}
