using System.Collections.Concurrent;
using TestSidecar.PubSub;

namespace TestSidecar.Workflows;

/// <summary>
/// The trace context of each running instance, for its activities. daprd (durabletask-go) records
/// the StartInstance caller's context in the ExecutionStarted event, runs the workflow in a span
/// under it and gives every activity work item its own activity span under that, so activity code
/// runs in the caller's trace. Microsoft's engine takes an activity's context only from the
/// schedule-task action, which Dapr's SDK leaves to the sidecar. Entries live while the instance
/// runs: removed when the worker completes it, on terminate and on purge.
/// </summary>
internal sealed class WorkflowTraceContexts
{
    private readonly ConcurrentDictionary<string, TraceContext> _running = new(StringComparer.Ordinal);

    public int Count => _running.Count;

    /// <summary>False when the instance already has one (a duplicate start must not re-parent it).</summary>
    public bool TryStart(string instanceId, TraceContext trace) => _running.TryAdd(instanceId, trace);

    /// <summary>A new activity span of the instance's trace, as daprd's activity processor starts one.</summary>
    public TraceContext? ActivitySpan(string instanceId) =>
        _running.TryGetValue(instanceId, out var trace) ? trace.NewChild() : null;

    /// <summary>durabletask-go gives a continued-as-new generation a fresh root trace (dapr/dapr#10064).</summary>
    public void ContinueAsNew(string instanceId)
    {
        if (_running.ContainsKey(instanceId))
        {
            _running[instanceId] = TraceContext.NewRoot();
        }
    }

    public void Forget(string instanceId) => _running.TryRemove(instanceId, out _);
}
