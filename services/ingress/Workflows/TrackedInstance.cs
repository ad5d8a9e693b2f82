namespace RedisStreamDemo.Ingress.Workflows;

/// <summary>An instance this replica scheduled: when, and when it was seen to finish.</summary>
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
