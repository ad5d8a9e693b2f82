using System.Collections.Concurrent;
using IngressService.Forecasts;
using Microsoft.Extensions.Options;

namespace IngressService.Workflows;

// The instances this replica scheduled, for two jobs: bounding work in flight (unfinished instances)
// and purging finished ones after the retention period. Dapr.Workflow offers no query for "finished
// before T", so what is not remembered here (ids scheduled before a restart, or by another replica)
// is not purged by this replica.
internal sealed class WorkflowInstanceTracker(
    TimeProvider time,
    IOptions<ForecastOptions> forecastOptions,
    IOptions<WorkflowOptions> workflowOptions,
    IngressMetrics metrics)
{
    private readonly ConcurrentDictionary<string, TrackedInstance> instances = new(StringComparer.Ordinal);
    private int inFlight;

    public int InFlight => Volatile.Read(ref inFlight);

    public int Count => instances.Count;

    // Reserves a slot before the instance is scheduled, so the bound holds under concurrent POSTs.
    public bool TryTrack(string instanceId)
    {
        if (Interlocked.Increment(ref inFlight) > forecastOptions.Value.MaxInFlight
            || instances.Count >= workflowOptions.Value.MaxTracked
            || !instances.TryAdd(instanceId, new TrackedInstance(time.GetUtcNow())))
        {
            Interlocked.Decrement(ref inFlight);
            return false;
        }

        metrics.WorkflowStarted();
        return true;
    }

    // The instance was never scheduled (the sidecar refused it).
    public void Untrack(string instanceId)
    {
        if (instances.TryRemove(instanceId, out var instance) && instance.TryFinish(time.GetUtcNow()))
        {
            Release();
        }
    }

    // Scheduled by this replica and not yet seen to finish.
    public bool IsUnfinished(string instanceId, out DateTimeOffset scheduledAt)
    {
        var found = instances.TryGetValue(instanceId, out var instance) && instance.FinishedAt is null;
        scheduledAt = found && instance is not null ? instance.ScheduledAt : default;
        return found;
    }

    public bool TryGetScheduledAt(string instanceId, out DateTimeOffset scheduledAt)
    {
        var found = instances.TryGetValue(instanceId, out var instance);
        scheduledAt = instance?.ScheduledAt ?? default;
        return found;
    }

    // Called whenever this replica learns an instance reached a terminal state (or got its reply);
    // only the first call for an instance counts.
    public void MarkFinished(string instanceId)
    {
        if (instances.TryGetValue(instanceId, out var instance) && instance.TryFinish(time.GetUtcNow()))
        {
            Release();
        }
    }

    public void Forget(string instanceId)
    {
        if (instances.TryRemove(instanceId, out var instance) && instance.TryFinish(time.GetUtcNow()))
        {
            Release();
        }
    }

    public IReadOnlyList<KeyValuePair<string, TrackedInstance>> Snapshot() => [.. instances];

    private void Release()
    {
        Interlocked.Decrement(ref inFlight);
        metrics.WorkflowFinished();
    }
}

internal sealed class TrackedInstance(DateTimeOffset scheduledAt)
{
    private long finishedAtTicks;

    public DateTimeOffset ScheduledAt { get; } = scheduledAt;

    public DateTimeOffset? FinishedAt
    {
        get
        {
            var ticks = Interlocked.Read(ref finishedAtTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    public bool TryFinish(DateTimeOffset at) =>
        Interlocked.CompareExchange(ref finishedAtTicks, Math.Max(1, at.UtcTicks), 0) == 0;
}
