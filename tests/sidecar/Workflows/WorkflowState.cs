using DurableTask.Core;
using DurableTask.Core.History;

namespace TestSidecar.Workflows;

/// <summary>
/// One workflow instance's state as daprd keeps it (dapr/dapr v1.18.3 pkg/runtime/wfengine/state
/// state.go): the inbox (events not yet processed), the history, the custom status and the
/// generation, plus what the actor state store holds now, so a save writes only what changed
/// (GetSaveRequest) and the metadata row is written with the etag it was read or last written with.
/// </summary>
internal sealed class WorkflowState
{
    public List<HistoryEvent> Inbox { get; } = [];

    public List<HistoryEvent> History { get; } = [];

    public string? CustomStatus { get; set; }

    /// <summary>1 for a new instance; +1 when a completed instance is created again or continues as new.</summary>
    public ulong Generation { get; set; } = 1;

    /// <summary>The metadata row's version when read or last written; null while it was never saved (daprd's first save is blind).</summary>
    public string? MetadataETag { get; set; }

    /// <summary>Rows the store holds now.</summary>
    public int SavedInbox { get; set; }

    public int SavedHistory { get; set; }

    public bool CustomStatusSaved { get; set; }

    /// <summary>A copy to change and save: the cached state is replaced only once the save succeeded, so no reader sees what the store does not hold.</summary>
    public WorkflowState Copy()
    {
        var copy = new WorkflowState
        {
            CustomStatus = CustomStatus,
            Generation = Generation,
            MetadataETag = MetadataETag,
            SavedInbox = SavedInbox,
            SavedHistory = SavedHistory,
            CustomStatusSaved = CustomStatusSaved,
            _runtime = _runtime,
        };
        copy.Inbox.AddRange(Inbox);
        copy.History.AddRange(History);
        return copy;
    }

    public ExecutionStartedEvent? Started =>
        History.OfType<ExecutionStartedEvent>().FirstOrDefault() ?? Inbox.OfType<ExecutionStartedEvent>().FirstOrDefault();

    public string? ExecutionId => Started?.OrchestrationInstance.ExecutionId;

    // Built once per history: the status is read after every turn and at every wake of every waiter.
    // A reference, so waiters reading a cached state at once see a whole entry or none.
    private RuntimeOf? _runtime;

    private sealed record RuntimeOf(int Count, HistoryEvent Last, OrchestrationRuntimeState Runtime);

    private OrchestrationRuntimeState Runtime()
    {
        var cached = _runtime;
        if (cached is null || cached.Count != History.Count || !ReferenceEquals(cached.Last, History[^1]))
        {
            cached = new RuntimeOf(History.Count, History[^1], new OrchestrationRuntimeState(History));
            _runtime = cached;
        }
        return cached.Runtime;
    }

    public bool IsCompleted => History.Count > 0 && WorkflowInstances.IsTerminal(Runtime().OrchestrationStatus);

    /// <summary>The instance's status as the engine reports it: from the history, or PENDING while only its start event waits in the inbox.</summary>
    public OrchestrationState? Status()
    {
        if (History.Count == 0)
        {
            return Inbox.OfType<ExecutionStartedEvent>().FirstOrDefault() is { } pending
                ? new OrchestrationState
                {
                    OrchestrationInstance = pending.OrchestrationInstance,
                    Name = pending.Name,
                    Version = pending.Version,
                    Input = pending.Input,
                    Tags = pending.Tags ?? new Dictionary<string, string>(),
                    OrchestrationStatus = OrchestrationStatus.Pending,
                    CreatedTime = Utc(pending.Timestamp),
                    LastUpdatedTime = Utc(pending.Timestamp),
                    ScheduledStartTime = pending.ScheduledStartTime,
                    Status = CustomStatus,
                }
                : null;
        }
        var runtime = Runtime();
        return new OrchestrationState
        {
            OrchestrationInstance = runtime.OrchestrationInstance,
            Name = runtime.Name,
            Version = runtime.Version,
            Input = runtime.Input,
            Output = runtime.Output,
            Tags = runtime.Tags ?? new Dictionary<string, string>(),
            Status = CustomStatus,
            OrchestrationStatus = runtime.OrchestrationStatus,
            CreatedTime = Utc(runtime.CreatedTime),
            CompletedTime = Utc(runtime.CompletedTime),
            LastUpdatedTime = Utc(History[^1].Timestamp),
            FailureDetails = runtime.FailureDetails,
            ScheduledStartTime = runtime.ExecutionStartedEvent?.ScheduledStartTime,
        };
    }

    private static DateTime Utc(DateTime at) => at.Kind == DateTimeKind.Local ? at.ToUniversalTime() : DateTime.SpecifyKind(at, DateTimeKind.Utc);
}
