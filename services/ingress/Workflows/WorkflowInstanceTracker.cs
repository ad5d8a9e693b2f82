using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using RedisStreamDemo.Ingress.Correlation;
using RedisStreamDemo.Ingress.Telemetry;

namespace RedisStreamDemo.Ingress.Workflows;

/// <summary>
/// The instances this replica scheduled, for two jobs: bounding work in flight (unfinished instances)
/// and purging finished ones after the retention period. Dapr.Workflow offers no query for "finished
/// before T", so what is not remembered here (ids scheduled before a restart, or by another replica)
/// is not purged by this replica.
/// </summary>
internal sealed class WorkflowInstanceTracker(
    TimeProvider time,
    IOptions<CorrelationOptions> options,
    IngressMetrics metrics)
{
    private readonly ConcurrentDictionary<string, TrackedInstance> instances = new(StringComparer.Ordinal);
    private int inFlight;

    public int InFlight => Volatile.Read(ref inFlight);

    public int Count => instances.Count;

    // Reserves a slot before the instance is scheduled, so the bound holds under concurrent POSTs.
    public bool TryTrack(string instanceId)
    {
        if (Interlocked.Increment(ref inFlight) > options.Value.MaxInFlight
            || instances.Count >= options.Value.MaxTracked
            || !instances.TryAdd(instanceId, new TrackedInstance(time.GetUtcNow())))
        {
            Interlocked.Decrement(ref inFlight);
            return false;
        }

        metrics.RequestStarted();
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
        metrics.RequestFinished();
    }
}
