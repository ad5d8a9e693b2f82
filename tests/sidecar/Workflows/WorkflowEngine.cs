using DurableTask.Core;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;
using TestSidecar.State;

namespace TestSidecar.Workflows;

/// <summary>
/// The workflow engine behind TaskHubSidecarService: Microsoft's Durable Task dispatcher and gRPC
/// service (one per sidecar, as daprd has one per app) over <see cref="DurableOrchestrationService"/>,
/// which keeps every instance in the actor state store as daprd does.
/// </summary>
internal sealed class WorkflowEngine(DurableOrchestrationService service, TurnSignals turns)
{
    /// <summary>Signalled after each saved turn (StartInstance waits for the first one, as daprd).</summary>
    public TurnSignals Turns => turns;

    public DurableOrchestrationService Service => service;

    public static void AddTo(IServiceCollection services, RedisStateStore? actorStateStore, string appId, string @namespace, WorkflowRetention retention)
    {
        services.AddSingleton(retention);
        services.AddSingleton(new WorkflowStateStore(actorStateStore, appId, @namespace));
        services.AddSingleton<TurnSignals>();
        services.AddSingleton<DurableOrchestrationService>();
        services.AddSingleton<WorkflowEngine>();
        services.AddSingleton<WorkflowTraceContexts>();
        services.AddSingleton<WorkItemStreams>();
        services.AddSingleton<WorkflowInstances>();
        services.AddSingleton(sp => new WorkflowInterceptor(sp.GetRequiredService<WorkflowTraceContexts>(), sp.GetRequiredService<WorkItemStreams>(), sp.GetRequiredService<WorkflowInstances>(), sp.GetService<Diagnostics.DaprMetrics>()));
        services.AddSingleton<IOrchestrationService>(sp => sp.GetRequiredService<DurableOrchestrationService>());
        services.AddSingleton<IOrchestrationServiceClient>(sp => sp.GetRequiredService<DurableOrchestrationService>());
        services.AddSingleton<TaskHubGrpcServer>();
    }
}
