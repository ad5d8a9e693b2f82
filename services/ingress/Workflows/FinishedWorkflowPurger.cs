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
        var retention = options.Value.Retention;
        var purged = 0;
        try
        {
            foreach (var (instanceId, instance) in tracker.Snapshot())
            {
                if (instance.FinishedAt is null)
                {
                    // Nobody polled this one (a 202 client that never came back): ask the sidecar.
                    var state = await workflows.GetWorkflowStateAsync(instanceId, getInputsAndOutputs: false, cancellationToken);
                    if (!state.Exists)
                    {
                        tracker.Forget(instanceId);
                        continue;
                    }

                    if (!IsTerminal(state.RuntimeStatus))
                    {
                        continue;
                    }

                    tracker.MarkFinished(instanceId);
                }

                if (instance.FinishedAt is { } finishedAt && time.GetUtcNow() - finishedAt >= retention)
                {
                    await workflows.PurgeInstanceAsync(instanceId, cancellationToken);
                    tracker.Forget(instanceId);
                    metrics.WorkflowPurged();
                    purged++;
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

    public static bool IsTerminal(WorkflowRuntimeStatus status) => status is
        WorkflowRuntimeStatus.Completed or WorkflowRuntimeStatus.Failed or
        WorkflowRuntimeStatus.Terminated or WorkflowRuntimeStatus.Canceled;

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Purged} finished workflow instances; {Tracked} still tracked")]
    private static partial void LogPurged(ILogger logger, int purged, int tracked);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Purging finished workflows interrupted; retrying at the next interval")]
    private static partial void LogSweepInterrupted(ILogger logger, Exception exception);
}
