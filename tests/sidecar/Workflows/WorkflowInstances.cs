using DurableTask.Core;
using Grpc.Core;

namespace TestSidecar.Workflows;

/// <summary>
/// daprd's rules for instance ids around the engine, which has none of them: it silently restarts a
/// running instance on a second create, accepts events and purges for ids it never saw (an event for
/// an unknown id becomes an orphan its dispatcher retries forever) and keys instances
/// case-insensitively. In daprd every instance is a workflow actor whose id is the instance id (an
/// ordinal string: actor table and state keys), and every call below reaches that actor
/// (dapr/dapr v1.18.3 pkg/actors/targets/workflow/orchestrator/{create,add,state}.go,
/// pkg/runtime/wfengine/backends/actors/actors.go; durabletask-go v0.12.4 backend/executor.go).
/// </summary>
internal sealed class WorkflowInstances(WorkflowEngine engine, WorkItemStreams streams)
{
    // durabletask-go api/errors.go
    public const string NoSuchInstance = "no such instance exists";
    public const string NotCompleted = "orchestration has not yet completed";

    /// <summary>The instance with exactly this id (ids are ordinal, as actor ids), or null.</summary>
    public Task<OrchestrationState?> FindAsync(string instanceId) => engine.Service.FindAsync(instanceId);

    /// <summary>
    /// The actor loads its state when it is not cached (orchestrator/state.go loadInternalState); a
    /// store that fails fails the call with the store's error, a plain error (gRPC Unknown).
    /// </summary>
    public async Task<OrchestrationState?> FindOrFailAsync(string instanceId, string prefix)
    {
        try
        {
            return await FindAsync(instanceId);
        }
        catch (State.StateStoreException ex)
        {
            throw new RpcException(new Status(StatusCode.Unknown, prefix + ex.Message));
        }
    }

    public Task WaitForAsync(string instanceId, Func<OrchestrationState?, bool> reached, CancellationToken cancellation) =>
        engine.Turns.WaitForAsync(instanceId, () => FindAsync(instanceId), reached, cancellation);

    public static bool IsTerminal(OrchestrationStatus status) =>
        status is OrchestrationStatus.Completed or OrchestrationStatus.Failed or OrchestrationStatus.Terminated or OrchestrationStatus.Canceled;

    /// <summary>
    /// durabletask-go StartInstance: CreateWorkflowInstance (daprd retries the actor call every second
    /// while the workflow actor type is not registered, which it is only while a GetWorkItems stream is
    /// connected, until the caller's deadline), then WaitForInstanceStart: the call returns once the
    /// first turn has been saved (status no longer PENDING), unless a start time is scheduled.
    /// </summary>
    public async Task<TResponse> StartAsync<TResponse>(string instanceId, DateTime? startAt, ServerCallContext context, Func<Task<TResponse>> create)
    {
        var cancellation = context.CancellationToken;
        await streams.WaitForWorkerAsync(cancellation);
        if (startAt is { } at)
        {
            engine.Service.StartAt(instanceId, at);
        }

        // The engine's create checks and saves under the instance's lock, as the workflow actor does
        // (orchestrator/create.go createIfCompleted): an active id fails with AlreadyExists, a
        // completed, failed or terminated instance is created again (v1.18.3 code; the 1.18.0
        // release notes say ids can no longer be reused at all).
        var response = await create();

        if (startAt is null)
        {
            await WaitForAsync(instanceId, state => state is { OrchestrationStatus: not OrchestrationStatus.Pending }, cancellation);
        }
        return response;
    }

    /// <summary>
    /// AddNewWorkflowEvent (raise event, terminate, suspend, resume) reaches the actor, whose
    /// addWorkflowEvent answers api.ErrInstanceNotFound when the instance has no state
    /// (orchestrator/add.go); a plain error, so gRPC Unknown.
    /// </summary>
    public async Task RequireExistsAsync(string instanceId, string prefix)
    {
        if (await FindOrFailAsync(instanceId, prefix) is null)
        {
            throw new RpcException(new Status(StatusCode.Unknown, prefix + NoSuchInstance));
        }
    }

    /// <summary>
    /// durabletask-go backend.go purgeWorkflowState and the actor's purgeWorkflowState
    /// (orchestrator/state.go): unknown → ErrInstanceNotFound (recursive: through
    /// GetWorkflowRuntimeState, "failed to fetch workflow state: "), not completed → ErrNotCompleted;
    /// PurgeInstances wraps both in "failed to purge workflow state: ". (Dapr's force flag, which skips the check, is not in the engine's message.)
    /// </summary>
    public async Task RequirePurgeableAsync(string instanceId, bool recursive)
    {
        var state = await FindOrFailAsync(instanceId, "failed to purge workflow state: ");
        if (state is null)
        {
            throw new RpcException(new Status(StatusCode.Unknown,
                "failed to purge workflow state: " + (recursive ? "failed to fetch workflow state: " : "") + NoSuchInstance));
        }
        if (!IsTerminal(state.OrchestrationStatus))
        {
            throw new RpcException(new Status(StatusCode.Unknown, "failed to purge workflow state: " + NotCompleted));
        }
    }
}

/// <summary>Wakes whoever waits on an instance each time the engine saves one of its turns.</summary>
internal sealed class TurnSignals
{
    private readonly Dictionary<string, Watcher> _watchers = new(StringComparer.Ordinal);

    /// <summary>The instance's watcher, shared by every waiter on it; pair with <see cref="Unwatch"/>.</summary>
    public Watcher Watch(string instanceId)
    {
        lock (_watchers)
        {
            if (!_watchers.TryGetValue(instanceId, out var watcher))
            {
                _watchers[instanceId] = watcher = new Watcher();
            }
            watcher.Users++;
            return watcher;
        }
    }

    public void Unwatch(string instanceId, Watcher watcher)
    {
        lock (_watchers)
        {
            if (--watcher.Users == 0)
            {
                _watchers.Remove(instanceId);
            }
        }
    }

    public void Saved(string instanceId)
    {
        Watcher? watcher;
        lock (_watchers)
        {
            if (_watchers.Count == 0 || !_watchers.TryGetValue(instanceId, out watcher))
            {
                return;
            }
        }
        watcher.Signal();
    }

    /// <summary>
    /// Waits until <paramref name="reached"/> holds for the instance's state (null: not found),
    /// re-checking after every saved turn. daprd's waits (durabletask-go v0.12.4 backend/executor.go
    /// waitForInstance, dapr/dapr v1.18.3 backends/actors WatchWorkflowRuntimeStatus and
    /// orchestrator/stream.go handleStream) load the actor's state once, failing with the store's
    /// error when that load fails; from then on the actor pushes its state after each turn, so a
    /// store that goes down later does not end the wait.
    /// </summary>
    public async Task WaitForAsync(string instanceId, Func<Task<OrchestrationState?>> find, Func<OrchestrationState?, bool> reached, CancellationToken cancellation)
    {
        var watcher = Watch(instanceId);
        var first = true;
        try
        {
            while (true)
            {
                // Taken before the check, so a save between the check and the wait is not missed.
                var next = watcher.Next;
                OrchestrationState? state;
                try
                {
                    state = await find();
                }
                catch (State.StateStoreException ex)
                {
                    if (first)
                    {
                        throw new RpcException(new Status(StatusCode.Unknown, ex.Message));
                    }
                    // Waiting already: the actor would tell of its next turn, which a store down delays.
                    await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
                    continue;
                }
                first = false;
                if (reached(state))
                {
                    return;
                }
                try
                {
                    await next.WaitAsync(TimeSpan.FromSeconds(1), cancellation);
                }
                catch (TimeoutException)
                {
                    // A safety net only: every saved turn and every purge signals the watchers.
                }
            }
        }
        finally
        {
            Unwatch(instanceId, watcher);
        }
    }

    internal sealed class Watcher
    {
        private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Users { get; set; }

        public Task Next => Volatile.Read(ref _next).Task;

        public void Signal() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
