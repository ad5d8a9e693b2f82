using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using Grpc.Core;
using TestSidecar.PubSub;
using TestSidecar.State;

namespace TestSidecar.Workflows;

/// <summary>
/// The Durable Task engine's store, kept where daprd keeps workflow state: the actor state store, in
/// daprd's layout (<see cref="WorkflowStateStore"/>). Each instance is what daprd's workflow actor
/// is (dapr/dapr v1.18.3 pkg/actors/targets/workflow/orchestrator): one turn or one added event at a
/// time (the actor lock), its state cached between turns and read from the store when not cached,
/// every create, added event and turn saved before it takes effect:
/// <list type="bullet">
/// <item>create (create.go): the start event in <c>inbox-000000</c> and the metadata; a completed
/// instance is reset (history rows deleted, generation + 1);</item>
/// <item>an added event (add.go: raise, terminate, suspend, resume, an activity's result): one inbox
/// row and the metadata; events for a completed instance and second results of one activity are
/// dropped (dedup);</item>
/// <item>a turn (run.go): the inbox rows deleted, the new history rows, customStatus, the metadata.
/// Fired timers join the turn without an inbox row, as daprd's timer reminders do.</item>
/// </list>
/// What fails while the store is down fails as daprd's does: a create or added event returns the
/// store's error; a turn whose load or save fails is retried every second (the reminder's Constant 1s
/// policy), its cache dropped; an activity result that cannot be saved is retried every second
/// (the activity-result reminder). Nothing is lost: the inbox rows stay in Redis.
/// <para>
/// daprd resumes instances after a restart through its reminders, which live in the Scheduler
/// service and outlive daprd. The test sidecar has no Scheduler, so at start it derives those
/// reminders from the stored state: an instance with inbox rows runs a turn (start- at its scheduled
/// start time, new-event- at once), a
/// timer created and not fired is armed again (timer-), an activity scheduled without a result runs
/// again (run-activity: at least once, as in daprd), and a finished instance is purged when its
/// retention runs out (retention, <see cref="WorkflowRetention"/>).
/// </para>
/// </summary>
internal sealed class DurableOrchestrationService(WorkflowStateStore store, TurnSignals turns, WorkflowTraceContexts traces, WorkflowRetention retention, ILogger<DurableOrchestrationService> logger)
    : IOrchestrationService, IOrchestrationServiceClient, IOrchestrationServicePurgeClient
{
    /// <summary>daprd's workflow reminders retry every second (FailurePolicy Constant 1s, no limit).</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, WorkflowActor> _actors = new(StringComparer.Ordinal);
    private readonly Channel<string> _ready = Channel.CreateUnbounded<string>();
    private readonly Channel<TaskMessage> _activities = Channel.CreateUnbounded<TaskMessage>();
    private readonly CancellationTokenSource _stopping = new();
    // TaskHubGrpcServer leaves CreateInstanceRequest.scheduledStartTimestamp out of the start event; StartInstance hands it over here.
    private readonly ConcurrentDictionary<string, DateTime> _startTimes = new(StringComparer.Ordinal);

    /// <summary>One instance: daprd's workflow actor.</summary>
    private sealed class WorkflowActor
    {
        /// <summary>The actor lock: held for a whole turn (lock to release) and for each added event.</summary>
        public SemaphoreSlim Lock { get; } = new(1, 1);

        /// <summary>Cached between turns; null: read from the store at the next use.</summary>
        public WorkflowState? State { get; set; }

        /// <summary>Timers that fired and wait for a turn (never stored: daprd keeps them in the reminder).</summary>
        public List<TimerFiredEvent> FiredTimers { get; } = [];

        public int Queued;

        public bool BackingOff { get; set; }

        public int TurnInbox { get; set; }

        public int TurnTimers { get; set; }

        /// <summary>A turn is due: the instance is cached and not finished, and events wait in its inbox or timers fired.</summary>
        public bool HasWork
        {
            get
            {
                if (State is not { IsCompleted: false } state)
                {
                    return false;
                }
                lock (FiredTimers)
                {
                    return state.Inbox.Count > 0 || FiredTimers.Count > 0;
                }
            }
        }
    }

    public int TaskOrchestrationDispatcherCount => 1;

    public int TaskActivityDispatcherCount => 1;

    // daprd runs every instance's turn as its own actor call: no engine-wide cap.
    public int MaxConcurrentTaskOrchestrationWorkItems => 256;

    public int MaxConcurrentTaskActivityWorkItems => 256;

    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => BehaviorOnContinueAsNew.Carryover;

    private WorkflowActor Actor(string instanceId) => _actors.GetOrAdd(instanceId, _ => new WorkflowActor());

    // ---- start: the reminders daprd's Scheduler would still hold ----

    public Task StartAsync()
    {
        _ = ResumeAllAsync();
        return Task.CompletedTask;
    }

    private async Task ResumeAllAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                var (instances, activities, timers) = (0, 0, 0);
                foreach (var instanceId in await store.InstanceIdsAsync())
                {
                    var (resumed, activitiesAgain, timersAgain) = await ResumeAsync(instanceId);
                    instances += resumed ? 1 : 0;
                    activities += activitiesAgain;
                    timers += timersAgain;
                }
                Log.WorkflowsResumed(logger, instances, activities, timers);
                return;
            }
            catch (StateStoreException ex)
            {
                Log.WorkflowsResumeFailed(logger, RetryInterval, ex.Message);
                await Task.Delay(RetryInterval);
            }
        }
    }

    private async Task<(bool Resumed, int Activities, int Timers)> ResumeAsync(string instanceId)
    {
        var actor = Actor(instanceId);
        await actor.Lock.WaitAsync();
        WorkflowState? state;
        try
        {
            state = actor.State ??= await store.LoadAsync(instanceId);
        }
        finally
        {
            actor.Lock.Release();
        }
        if (state is null)
        {
            return (false, 0, 0);
        }
        if (state.IsCompleted)
        {
            ScheduleRetention(instanceId, state);
            return (false, 0, 0);
        }
        if (state.Started?.ParentTraceContext is { } trace && TraceContext.TryParse(trace.TraceParent, trace.TraceState, out var parent))
        {
            traces.TryStart(instanceId, parent);
        }
        var instance = new OrchestrationInstance { InstanceId = instanceId, ExecutionId = state.ExecutionId };
        var answered = state.History.Concat(state.Inbox).Select(ResultOf).Where(id => id is not null).ToHashSet();
        var activities = 0;
        foreach (var scheduled in state.History.OfType<TaskScheduledEvent>().Where(s => !answered.Contains(s.EventId)))
        {
            _activities.Writer.TryWrite(new TaskMessage { Event = scheduled, OrchestrationInstance = instance });
            activities++;
        }
        var fired = state.History.OfType<TimerFiredEvent>().Select(f => f.TimerId).ToHashSet();
        var timers = 0;
        foreach (var created in state.History.OfType<TimerCreatedEvent>().Where(c => !fired.Contains(c.EventId)))
        {
            ArmTimer(instanceId, new TimerFiredEvent(-1, created.FireAt) { TimerId = created.EventId });
            timers++;
        }
        if (state.History.Count == 0 && state.Inbox is [ExecutionStartedEvent { ScheduledStartTime: { } startAt }] && startAt.ToUniversalTime() > DateTime.UtcNow)
        {
            // create.go: the start reminder is due at the scheduled start time (a raised event's new-event reminder would run it at once).
            ScheduleAfter(instanceId, startAt.ToUniversalTime() - DateTime.UtcNow);
        }
        else if (state.Inbox.Count > 0)
        {
            Schedule(instanceId);
        }
        return (true, activities, timers);
    }

    private static int? ResultOf(HistoryEvent e) => e switch
    {
        TaskCompletedEvent completed => completed.TaskScheduledId,
        TaskFailedEvent failed => failed.TaskScheduledId,
        _ => null,
    };

    /// <summary>run.go handleRetention: the retention reminder purges the instance at its completion time plus the policy's duration.</summary>
    private void ScheduleRetention(string instanceId, WorkflowState state)
    {
        if (state.Status() is not { } status || retention.For(status.OrchestrationStatus) is not { } keep)
        {
            return;
        }
        var completedAt = status.CompletedTime > DateTime.UnixEpoch ? status.CompletedTime : DateTime.UtcNow;
        var due = completedAt + keep - DateTime.UtcNow;
        _ = Task.Delay(due > TimeSpan.Zero ? due : TimeSpan.Zero, _stopping.Token).ContinueWith(
            done => done.IsCanceled ? Task.CompletedTask : PurgeForRetentionAsync(instanceId),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).Unwrap();
    }

    private async Task PurgeForRetentionAsync(string instanceId)
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                // An instance created again since is not completed: PurgeWorkflowState leaves it.
                await PurgeInstanceStateAsync(instanceId);
                return;
            }
            catch (RpcException ex)
            {
                Log.WorkflowEventRetry(logger, instanceId, RetryInterval, ex.Status.Detail);
                await Task.Delay(RetryInterval);
            }
        }
    }

    // ---- turns ----

    private void Schedule(string instanceId)
    {
        var actor = Actor(instanceId);
        if (Interlocked.Exchange(ref actor.Queued, 1) == 0)
        {
            _ready.Writer.TryWrite(instanceId);
        }
    }

    private void ScheduleAfter(string instanceId, TimeSpan delay, Action? before = null) =>
        _ = Task.Delay(delay, _stopping.Token).ContinueWith(
            done =>
            {
                if (!done.IsCanceled)
                {
                    before?.Invoke();
                    Schedule(instanceId);
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    private void ArmTimer(string instanceId, TimerFiredEvent timer)
    {
        var delay = timer.FireAt.ToUniversalTime() - DateTime.UtcNow;
        ScheduleAfter(instanceId, delay > TimeSpan.Zero ? delay : TimeSpan.Zero, () =>
        {
            var actor = Actor(instanceId);
            lock (actor.FiredTimers)
            {
                actor.FiredTimers.Add(timer);
            }
        });
    }

    public async Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        while (true)
        {
            var instanceId = await _ready.Reader.ReadAsync(cancellationToken);
            var actor = Actor(instanceId);
            Volatile.Write(ref actor.Queued, 0);
            await actor.Lock.WaitAsync(cancellationToken);
            WorkflowState? state;
            try
            {
                state = actor.State ??= await store.LoadAsync(instanceId);
            }
            catch (StateStoreException ex)
            {
                // run.go: "error loading internal state"; the reminder fires again in a second.
                actor.Lock.Release();
                Log.WorkflowTurnFailed(logger, instanceId, RetryInterval, ex.Message);
                ScheduleAfter(instanceId, RetryInterval);
                continue;
            }

            List<HistoryEvent> timers;
            lock (actor.FiredTimers)
            {
                if (state is null || state.IsCompleted)
                {
                    actor.FiredTimers.Clear();
                }
                timers = [.. actor.FiredTimers];
            }
            if (state is null || state.IsCompleted || state.Inbox.Count + timers.Count == 0)
            {
                actor.Lock.Release();
                continue;
            }

            var instance = new OrchestrationInstance { InstanceId = instanceId, ExecutionId = state.ExecutionId };
            actor.TurnInbox = state.Inbox.Count;
            actor.TurnTimers = timers.Count;
            List<HistoryEvent> history = [.. state.History];
            return new TaskOrchestrationWorkItem
            {
                InstanceId = instanceId,
                OrchestrationRuntimeState = new OrchestrationRuntimeState(history) { Status = state.CustomStatus },
                NewMessages = [.. state.Inbox.Concat(timers).Select(e => new TaskMessage { Event = e, OrchestrationInstance = instance })],
                LockedUntilUtc = DateTime.MaxValue,
            };
        }
    }

    public async Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages,
        IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState)
    {
        var instanceId = workItem.InstanceId;
        var actor = Actor(instanceId);
        var cached = actor.State ?? throw new InvalidOperationException($"workflow {instanceId}: no state for the turn being completed");
        var rewritten = cached.History.Count > 0 && newOrchestrationRuntimeState.OrchestrationInstance?.ExecutionId != cached.ExecutionId;
        var state = cached.Copy();
        // durabletask-go writes no OrchestratorCompleted event; daprd's history has none, and no row for it.
        var events = (rewritten ? newOrchestrationRuntimeState.Events : newOrchestrationRuntimeState.NewEvents).Where(e => e is not OrchestratorCompletedEvent);
        if (rewritten)
        {
            // A continue-as-new: the history starts again under the next generation.
            state.History.Clear();
            state.Generation++;
        }
        state.History.AddRange(events);
        state.Inbox.RemoveRange(0, actor.TurnInbox);
        state.CustomStatus = newOrchestrationRuntimeState.Status;
        // A failure throws: the dispatcher abandons the turn, which drops the cache and retries.
        await store.SaveAsync(instanceId, state, rewritten);
        // The actor deactivates after a completed run; reads go to the store from then on.
        actor.State = state.IsCompleted ? null : state;
        if (state.IsCompleted)
        {
            ScheduleRetention(instanceId, state);
        }
        lock (actor.FiredTimers)
        {
            actor.FiredTimers.RemoveRange(0, actor.TurnTimers);
        }

        foreach (var activity in outboundMessages)
        {
            _activities.Writer.TryWrite(activity);
        }
        foreach (var timer in timerMessages)
        {
            ArmTimer(instanceId, (TimerFiredEvent)timer.Event);
        }
        foreach (var message in orchestratorMessages)
        {
            _ = DeliverUntilSavedAsync(message);
        }
        turns.Saved(instanceId);
    }

    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        var actor = Actor(workItem.InstanceId);
        Log.WorkflowTurnFailed(logger, workItem.InstanceId, RetryInterval, "the turn was not completed");
        actor.State = null;
        actor.BackingOff = true;
        ScheduleAfter(workItem.InstanceId, RetryInterval, () => actor.BackingOff = false);
        return Task.CompletedTask;
    }

    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        var actor = Actor(workItem.InstanceId);
        actor.Lock.Release();
        if (!actor.BackingOff && actor.HasWork)
        {
            Schedule(workItem.InstanceId);
        }
        return Task.CompletedTask;
    }

    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => Task.CompletedTask;

    // ---- events ----

    /// <summary>add.go addWorkflowEvent: false when the instance has no state.</summary>
    private async Task<bool> AddEventAsync(string instanceId, HistoryEvent e)
    {
        if (e is TimerFiredEvent timer)
        {
            ArmTimer(instanceId, timer);
            return true;
        }
        var actor = Actor(instanceId);
        await actor.Lock.WaitAsync();
        try
        {
            var cached = actor.State ??= await store.LoadAsync(instanceId);
            if (cached is null)
            {
                return false;
            }
            if (cached.IsCompleted || IsSecondResult(cached, e))
            {
                return true;
            }
            var state = cached.Copy();
            state.Inbox.Add(e);
            try
            {
                await store.SaveAsync(instanceId, state);
            }
            catch
            {
                actor.State = null;
                throw;
            }
            actor.State = state;
        }
        finally
        {
            actor.Lock.Release();
        }
        Schedule(instanceId);
        return true;
    }

    private static bool IsSecondResult(WorkflowState state, HistoryEvent e) =>
        ResultOf(e) is { } taskId && state.History.Concat(state.Inbox).Any(seen => ResultOf(seen) == taskId);

    /// <summary>A message from a turn to another instance: retried every second while the store fails (its new-event reminder is retried forever).</summary>
    private async Task DeliverUntilSavedAsync(TaskMessage message)
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                if (message.Event is ExecutionStartedEvent)
                {
                    await CreateTaskOrchestrationAsync(message, null);
                }
                else
                {
                    await AddEventAsync(message.OrchestrationInstance.InstanceId, message.Event);
                }
                return;
            }
            catch (Exception ex) when (ex is StateStoreException or RpcException { StatusCode: not StatusCode.AlreadyExists })
            {
                Log.WorkflowEventRetry(logger, message.OrchestrationInstance.InstanceId, RetryInterval, ex.Message);
                await Task.Delay(RetryInterval);
            }
        }
    }

    public async Task SendTaskOrchestrationMessageAsync(TaskMessage message)
    {
        try
        {
            // A message for an instance without state is dropped; the interceptor answers "no such instance" to callers first.
            await AddEventAsync(message.OrchestrationInstance.InstanceId, message.Event);
        }
        catch (StateStoreException ex)
        {
            throw new RpcException(new Status(StatusCode.Unknown, ex.Message));
        }
    }

    public async Task SendTaskOrchestrationMessageBatchAsync(params TaskMessage[] messages)
    {
        foreach (var message in messages)
        {
            await SendTaskOrchestrationMessageAsync(message);
        }
    }

    public Task ForceTerminateTaskOrchestrationAsync(string instanceId, string reason) =>
        SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new ExecutionTerminatedEvent(-1, reason),
        });

    // ---- create, read, purge ----

    public Task CreateTaskOrchestrationAsync(TaskMessage creationMessage) =>
        CreateTaskOrchestrationAsync(creationMessage, [OrchestrationStatus.Pending, OrchestrationStatus.Running]);

    /// <summary>The start time of the next create of <paramref name="instanceId"/> (create.go: its start reminder is due then).</summary>
    public void StartAt(string instanceId, DateTime startAt) => _startTimes[instanceId] = startAt.ToUniversalTime();

    public async Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[]? dedupeStatuses)
    {
        var start = (ExecutionStartedEvent)creationMessage.Event;
        var instanceId = creationMessage.OrchestrationInstance.InstanceId;
        if (_startTimes.TryRemove(instanceId, out var startAt))
        {
            start.ScheduledStartTime ??= startAt;
        }
        var actor = Actor(instanceId);
        await actor.Lock.WaitAsync();
        try
        {
            WorkflowState? existing;
            try
            {
                existing = actor.State ?? await store.LoadAsync(instanceId);
            }
            catch (StateStoreException ex)
            {
                throw new RpcException(new Status(StatusCode.Unknown, "failed to create workflow instance: " + ex.Message));
            }
            if (existing is not null && !existing.IsCompleted)
            {
                // create.go createIfCompleted; the backend wraps it (a wrapped gRPC status keeps its code).
                throw new RpcException(new Status(StatusCode.AlreadyExists,
                    $"failed to create workflow instance: rpc error: code = AlreadyExists desc = an active workflow with ID '{instanceId}' already exists"));
            }
            // create.go: a completed instance is reset, its history rows deleted, under the next generation.
            var state = existing?.Copy() ?? new WorkflowState();
            state.History.Clear();
            state.Inbox.Clear();
            state.CustomStatus = null;
            if (existing is not null)
            {
                state.Generation++;
            }
            state.Inbox.Add(start);
            lock (actor.FiredTimers)
            {
                actor.FiredTimers.Clear();
            }
            try
            {
                await store.SaveAsync(instanceId, state, historyRewritten: existing is not null);
            }
            catch (StateStoreException ex)
            {
                actor.State = null;
                throw new RpcException(new Status(StatusCode.Unknown, "failed to create workflow instance: " + ex.Message));
            }
            actor.State = state;
        }
        finally
        {
            actor.Lock.Release();
        }
        var delay = start.ScheduledStartTime is { } at ? at.ToUniversalTime() - DateTime.UtcNow : TimeSpan.Zero;
        if (delay > TimeSpan.Zero)
        {
            ScheduleAfter(instanceId, delay);
        }
        else
        {
            Schedule(instanceId);
        }
    }

    /// <summary>The instance's status through its actor: the cached state, else the store's.</summary>
    public async Task<OrchestrationState?> FindAsync(string instanceId)
    {
        if (_actors.TryGetValue(instanceId, out var actor) && actor.State is { } cached)
        {
            return cached.Status();
        }
        return (await store.LoadAsync(instanceId))?.Status();
    }

    /// <summary>GetInstance: daprd reads the store directly, past the actor's cache (backends/actors GetWorkflowMetadata).</summary>
    public async Task<OrchestrationState> GetOrchestrationStateAsync(string instanceId, string? executionId)
    {
        try
        {
            return (await store.LoadAsync(instanceId))?.Status()!;
        }
        catch (StateStoreException ex)
        {
            throw new RpcException(new Status(StatusCode.Unknown, ex.Message));
        }
    }

    public async Task<IList<OrchestrationState>> GetOrchestrationStateAsync(string instanceId, bool allExecutions) =>
        [await GetOrchestrationStateAsync(instanceId, executionId: null)];

    public async Task<OrchestrationState> WaitForOrchestrationAsync(string instanceId, string executionId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = timeout > TimeSpan.Zero ? new CancellationTokenSource(timeout) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        await turns.WaitForAsync(instanceId, () => FindAsync(instanceId), s => s is null || WorkflowInstances.IsTerminal(s.OrchestrationStatus), linked.Token);
        return (await FindAsync(instanceId))!;
    }

    public async Task<PurgeResult> PurgeInstanceStateAsync(string instanceId)
    {
        var actor = Actor(instanceId);
        await actor.Lock.WaitAsync();
        try
        {
            var state = await store.LoadAsync(instanceId);
            if (state is null || !state.IsCompleted)
            {
                return new PurgeResult(0);
            }
            await store.PurgeAsync(instanceId, state);
            actor.State = null;
            _actors.TryRemove(KeyValuePair.Create(instanceId, actor));
            turns.Saved(instanceId);
            return new PurgeResult(1);
        }
        catch (StateStoreException ex)
        {
            throw new RpcException(new Status(StatusCode.Unknown, "failed to purge workflow state: " + ex.Message));
        }
        finally
        {
            actor.Lock.Release();
        }
    }

    public Task<PurgeResult> PurgeInstanceStateAsync(PurgeInstanceFilter purgeInstanceFilter) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "test sidecar: purging by filter is not reproduced"));

    public Task<string> GetOrchestrationHistoryAsync(string instanceId, string executionId) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "test sidecar: GetInstanceHistory is not reproduced"));

    public Task PurgeOrchestrationHistoryAsync(DateTime thresholdDateTimeUtc, OrchestrationStateTimeRangeFilterType timeRangeFilterType) =>
        throw new RpcException(new Status(StatusCode.Unimplemented, "test sidecar: purging history by time is not reproduced"));

    // ---- activities ----

    public async Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken)
    {
        var message = await _activities.Reader.ReadAsync(cancellationToken);
        return new TaskActivityWorkItem
        {
            Id = message.OrchestrationInstance.InstanceId + "::" + message.Event.EventId.ToString(CultureInfo.InvariantCulture),
            LockedUntilUtc = DateTime.MaxValue,
            TaskMessage = message,
        };
    }

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => Task.FromResult(workItem);

    /// <summary>publish.go: the result is added to the instance; when that fails, the activity-result reminder retries it every second.</summary>
    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        _ = DeliverUntilSavedAsync(responseMessage);
        return Task.CompletedTask;
    }

    /// <summary>The run-activity reminder fires again a second later.</summary>
    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem)
    {
        _ = Task.Delay(RetryInterval, _stopping.Token).ContinueWith(
            done => _ = done.IsCanceled || _activities.Writer.TryWrite(workItem.TaskMessage),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    // ---- the rest of the engine's contract ----

    public Task StopAsync() => StopAsync(false);

    public Task StopAsync(bool isForced) => _stopping.CancelAsync();

    public Task CreateAsync() => Task.CompletedTask;

    public Task CreateAsync(bool recreateInstanceStore) => Task.CompletedTask;

    public Task CreateIfNotExistsAsync() => Task.CompletedTask;

    public Task DeleteAsync() => Task.CompletedTask;

    public Task DeleteAsync(bool deleteInstanceStore) => Task.CompletedTask;

    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) => false;

    public int GetDelayInSecondsAfterOnProcessException(Exception exception) => exception is OperationCanceledException ? 0 : 1;

    public int GetDelayInSecondsAfterOnFetchException(Exception exception) => exception is OperationCanceledException ? 0 : 1;
}
