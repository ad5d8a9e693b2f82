using Dapr.Workflow;
using Grpc.Core;
using Microsoft.Extensions.Options;
using RedisStreamDemo.Ingress.Correlation;
using RedisStreamDemo.Ingress.Telemetry;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Ingress.Workflows;

/// <summary>
/// Keeps the workflow state store from growing without bound: instances this replica scheduled are
/// purged once they have been finished for longer than Correlation:Retention.
/// </summary>
internal sealed class FinishedWorkflowPurger(
    IDaprWorkflowClient workflows,
    WorkflowInstanceTracker tracker,
    IngressMetrics metrics,
    TimeProvider time,
    IOptions<CorrelationOptions> correlationOptions,
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
                    logger.InstanceNotSwept(ex, instanceId, ex.StatusCode);
                }
            }
        }
        catch (Exception ex) when (SidecarErrors.IsTransient(ex))
        {
            // The sidecar is away; the next tick tries again.
            logger.SweepInterrupted(ex);
        }

        if (purged > 0)
        {
            logger.Purged(purged, tracker.Count);
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

            if (!state.RuntimeStatus.IsTerminal())
            {
                return false;
            }

            tracker.MarkFinished(instanceId);
        }

        if (instance.FinishedAt is { } finishedAt && time.GetUtcNow() - finishedAt >= correlationOptions.Value.Retention)
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
}
