using Dapr.Workflow;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Sidecar.Tests.Infrastructure;

/// <summary>
/// The app side of the workflow contract tests: the real Dapr.Workflow 1.18 worker, with every test
/// workflow and activity registered, and the client's waits, each bounded by <see cref="WaitLimit"/>.
/// </summary>
internal static class WorkflowWorker
{
    public static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);

    /// <summary>The worker's host, not started: its DaprWorkflowClient works, no GetWorkItems stream is open.</summary>
    public static IHost BuildWorker(SidecarProcess sidecar, string? apiToken = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["DAPR_GRPC_ENDPOINT"] = sidecar.GrpcEndpoint.ToString(),
            ["DAPR_HTTP_ENDPOINT"] = sidecar.HttpEndpoint.ToString(),
            ["DAPR_API_TOKEN"] = apiToken,
        });
        builder.Services.AddDaprWorkflow(options =>
        {
            options.RegisterWorkflow<WorkflowTests.RequestReplyWorkflow>(nameof(WorkflowTests.RequestReplyWorkflow));
            options.RegisterWorkflow<WorkflowTests.LateWaitWorkflow>(nameof(WorkflowTests.LateWaitWorkflow));
            options.RegisterWorkflow<WorkflowTests.TimeoutWorkflow>(nameof(WorkflowTests.TimeoutWorkflow));
            options.RegisterWorkflow<WorkflowTests.ForeverWorkflow>(nameof(WorkflowTests.ForeverWorkflow));
            options.RegisterWorkflow<WorkflowTests.TracedWorkflow>(nameof(WorkflowTests.TracedWorkflow));
            options.RegisterActivity<WorkflowTests.UpperActivity>(nameof(WorkflowTests.UpperActivity));
            options.RegisterActivity<WorkflowTests.TracedActivity>(nameof(WorkflowTests.TracedActivity));
            options.RegisterWorkflow<WorkflowInstanceTests.SlowFirstTurnWorkflow>(nameof(WorkflowInstanceTests.SlowFirstTurnWorkflow));
            options.RegisterWorkflow<WorkflowRecoveryTests.ActivityHangsOnceWorkflow>(nameof(WorkflowRecoveryTests.ActivityHangsOnceWorkflow));
            options.RegisterWorkflow<WorkflowRecoveryTests.OrchestratorHangsOnceWorkflow>(nameof(WorkflowRecoveryTests.OrchestratorHangsOnceWorkflow));
            options.RegisterActivity<WorkflowRecoveryTests.HangsOnceActivity>(nameof(WorkflowRecoveryTests.HangsOnceActivity));
            options.RegisterWorkflow<WorkflowDurabilityTests.AwaitReplyWorkflow>(nameof(WorkflowDurabilityTests.AwaitReplyWorkflow));
            options.RegisterWorkflow<WorkflowDurabilityTests.NapWorkflow>(nameof(WorkflowDurabilityTests.NapWorkflow));
            options.RegisterWorkflow<WorkflowDurabilityTests.ActivityWorkflow>(nameof(WorkflowDurabilityTests.ActivityWorkflow));
            options.RegisterActivity<WorkflowDurabilityTests.HeldOnceActivity>(nameof(WorkflowDurabilityTests.HeldOnceActivity));
        });
        return builder.Build();
    }

    public static async Task<IHost> StartWorkerAsync(SidecarProcess sidecar, string? apiToken = null)
    {
        var host = BuildWorker(sidecar, apiToken);
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }

    /// <summary>Stops the worker without letting it finish what it holds: its stream to the sidecar closes.</summary>
    public static async Task KillWorkerAsync(IHost host)
    {
        using var now = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        try
        {
            await host.StopAsync(now.Token);
        }
        catch (OperationCanceledException)
        {
        }
        host.Dispose();
    }

    public static CancellationTokenSource Deadline()
    {
        var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(WaitLimit);
        return timeout;
    }

    public static async Task<WorkflowState> CompletionAsync(DaprWorkflowClient client, string id)
    {
        using var timeout = Deadline();
        return await client.WaitForWorkflowCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
    }

    public static async Task StartedAsync(DaprWorkflowClient client, string id)
    {
        using var timeout = Deadline();
        await client.WaitForWorkflowStartAsync(id, cancellation: timeout.Token);
    }
}
