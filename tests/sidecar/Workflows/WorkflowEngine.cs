using DurableTask.Core;
using Microsoft.DurableTask.Testing.Sidecar;
using Microsoft.DurableTask.Testing.Sidecar.Grpc;

namespace TestSidecar.Workflows;

/// <summary>
/// The workflow engine behind TaskHubSidecarService: Microsoft's in-memory Durable Task engine
/// (one per sidecar, as daprd has one per app), wrapped so the work-item dispatcher does not cap
/// concurrency at the processor count. State lives in memory only: a sidecar restart forgets
/// every instance (daprd keeps them in the actor state store).
/// </summary>
internal sealed class WorkflowEngine
{
    public WorkflowEngine(ILoggerFactory loggerFactory)
    {
        var inner = new InMemoryOrchestrationService(loggerFactory);
        Client = inner;
        Service = new RaisedConcurrencyOrchestrationService(inner, maxConcurrentWorkItems: 256, Turns);
    }

    /// <summary>Signalled after each saved turn (StartInstance waits for the first one, as daprd).</summary>
    public TurnSignals Turns { get; } = new();

    public IOrchestrationService Service { get; }

    public IOrchestrationServiceClient Client { get; }

    public static void AddTo(IServiceCollection services, ActorStateStore? actorStateStore)
    {
        services.AddSingleton<WorkflowEngine>();
        services.AddSingleton<WorkflowTraceContexts>();
        services.AddSingleton<WorkItemStreams>();
        services.AddSingleton<WorkflowInstances>();
        services.AddSingleton(sp => new WorkflowInterceptor(sp.GetRequiredService<WorkflowTraceContexts>(), sp.GetRequiredService<WorkItemStreams>(), sp.GetRequiredService<WorkflowInstances>(), actorStateStore, sp.GetService<Diagnostics.DaprMetrics>()));
        services.AddSingleton(sp => sp.GetRequiredService<WorkflowEngine>().Service);
        services.AddSingleton(sp => sp.GetRequiredService<WorkflowEngine>().Client);
        services.AddSingleton<TaskHubGrpcServer>();
    }
}

/// <summary>
/// Everything forwarded to the in-memory service except the concurrency limits it reports
/// (Environment.ProcessorCount), which make its dispatcher stall 500 ms whenever that many
/// work items are in flight. Each saved orchestration turn is signalled to <paramref name="turns"/>.
/// </summary>
internal sealed class RaisedConcurrencyOrchestrationService(IOrchestrationService inner, int maxConcurrentWorkItems, TurnSignals turns) : IOrchestrationService
{
    public int MaxConcurrentTaskOrchestrationWorkItems => maxConcurrentWorkItems;

    public int MaxConcurrentTaskActivityWorkItems => maxConcurrentWorkItems;

    public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;

    public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;

    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;

    public Task StartAsync() => inner.StartAsync();

    public Task StopAsync() => inner.StopAsync();

    public Task StopAsync(bool isForced) => inner.StopAsync(isForced);

    public Task CreateAsync() => inner.CreateAsync();

    public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);

    public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();

    public Task DeleteAsync() => inner.DeleteAsync();

    public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);

    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) =>
        inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);

    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => inner.GetDelayInSecondsAfterOnProcessException(exception);

    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => inner.GetDelayInSecondsAfterOnFetchException(exception);

    public Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);

    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);

    public async Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages,
        IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState)
    {
        await inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);
        turns.Saved(workItem.InstanceId);
    }

    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.AbandonTaskOrchestrationWorkItemAsync(workItem);

    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);

    public Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => inner.RenewTaskActivityWorkItemLockAsync(workItem);

    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage) =>
        inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);

    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) => inner.AbandonTaskActivityWorkItemAsync(workItem);
}
