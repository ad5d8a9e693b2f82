using RedisStreamDemo.Stack;
using StackExchange.Redis;

namespace Faults.Scenarios;

/// <summary>
/// Redis (appendonly yes) is restarted - SIGTERM, which flushes the AOF, then started again on the
/// same port and data folder - while requests stream in. Everything Redis acknowledged before the
/// restart must still be there, every accepted request must be answered, and no process may need a
/// restart: apps and sidecars reconnect by themselves.
/// </summary>
public sealed class RedisRestartScenario(CorrelationMode mode = CorrelationMode.Workflow) : FaultScenario(
    mode, "redis-restart",
    "Redis restarted (AOF) under load",
    // An entry read but not acknowledged when Redis went away stays pending until the reclaim loop
    // takes it: processingTimeout (120 s, components/pubsub.yaml) plus up to one redeliverInterval (15 s).
    recoveryBound: TimeSpan.FromSeconds(150))
{
    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        var load = run.Requests.SendAtRateAsync(60, 10, "Aofville", cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);

        // Entries Redis has acknowledged (XADD returned) by now; the restart must keep every one.
        var before = new Dictionary<string, HashSet<string>>();
        foreach (var topic in (string[])[DaprNames.Topics.WeatherRequests, .. await ReplyAudit.ReplyTopicsAsync(run.Stack.Redis)])
        {
            before[topic] = [.. (await run.Stack.Redis.StreamRangeAsync(topic)).Select(e => e.Id.ToString())];
        }

        // Down long enough that publishes, reads and acknowledgements in flight hit the gap.
        var (stopping, back) = await RedisAwayAsync(run, TimeSpan.FromSeconds(2), cancellationToken);
        run.Note($"Redis down for {(back - stopping).TotalMilliseconds:0} ms (SIGTERM, AOF flushed, 2 s pause, started again)");

        foreach (var (topic, ids) in before)
        {
            var after = await ReadIdsAsync(run.Stack.Redis, topic, cancellationToken);
            var missing = ids.Where(id => !after.Contains(id)).ToList();
            run.Check($"every {topic} entry acknowledged before the restart survives it", missing.Count == 0,
                $"{ids.Count - missing.Count}/{ids.Count} kept{(missing.Count == 0 ? "" : "; missing " + string.Join(", ", missing.Take(5)))}");
        }

        await load;
        await run.CheckSettledAsync(TimeSpan.FromSeconds(150), cancellationToken);
        run.Recovery = LastFinishedSince(run, back);

        await CheckAnsweredAfterRedisAsync(run, "a new request after the restart is answered (refusals retried every second)", "Afterville", back, cancellationToken);
        run.CheckNoneRestarted();

        if (run.Requests.All.Any(r => !r.Accepted))
        {
            run.Note(run.Requests.DescribeRefused("during the restart"));
        }
        var stack = run.Stack.Stack;
        var reclaimed = stack[DaprNames.AppIds.Proxy].Sidecar.RecentLines().Concat(stack[DaprNames.AppIds.Ingress].Sidecar.RecentLines())
            .Count(l => l.Contains("Reclaimed pending entry", StringComparison.Ordinal));
        run.Note($"{reclaimed} pending entries reclaimed by the sidecars after the restart");
    }

    private static async Task<HashSet<string>> ReadIdsAsync(IDatabase redis, string topic, CancellationToken cancellationToken)
    {
        // The multiplexer reconnects in the background; give it a few seconds.
        HashSet<string> ids = [];
        await ScenarioRun.EventuallyAsync(async () =>
        {
            try
            {
                ids = [.. (await redis.StreamRangeAsync(topic)).Select(e => e.Id.ToString())];
                return true;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15), cancellationToken, TimeSpan.FromMilliseconds(250));
        return ids;
    }
}
