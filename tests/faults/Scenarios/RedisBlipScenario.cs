namespace Faults.Scenarios;

/// <summary>
/// Redis (appendonly yes) goes away for about 3 s under load and comes back: longer than one publish
/// attempt, so the publish activities in flight fail several times over and must be retried until
/// Redis is back. New POSTs meanwhile may be refused with 503 (the client is told); every request
/// accepted before, during or after the gap must be answered 200 with its own reply, and no process
/// may need a restart.
/// </summary>
public sealed class RedisBlipScenario() : FaultScenario(
    CorrelationMode.Workflow, "redis-blip",
    "Redis away for 3 s under load (publishes fail repeatedly), then back",
    // As redis-restart: an entry read but not acknowledged when Redis went away waits for the
    // reclaim loop, processingTimeout (120 s, components/pubsub.yaml) plus one redeliverInterval (15 s).
    recoveryBound: TimeSpan.FromSeconds(150),
    timeLimit: TimeSpan.FromMinutes(5))
{
    private static readonly TimeSpan Gap = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        // 80 requests at 10/s: 2 s of load before the gap, 3 s during it, 3 s after.
        var load = run.Requests.SendAtRateAsync(80, 10, "Blipville", cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);

        var unreachable = false;
        var (stopping, back) = await RedisAwayAsync(run, Gap, cancellationToken, async () => unreachable = await UnreachableAsync(run));
        run.Check("Redis is unreachable during the gap", unreachable, unreachable ? "PING failed" : "PING answered");
        run.Note($"Redis away for {(back - stopping).TotalMilliseconds:0} ms (SIGTERM, AOF flushed, {Gap.TotalSeconds:0} s pause, started again)");

        await load;
        await run.CheckSettledAsync(TimeSpan.FromSeconds(180), cancellationToken);
        run.Recovery = LastFinishedSince(run, back);

        var during = run.Requests.All.Where(r => r.SentAt >= stopping && r.SentAt < back).ToList();
        run.Note($"{during.Count} POSTs sent while Redis was away: {during.Count(r => r.Accepted)} accepted, {during.Count(r => !r.Accepted)} refused");
        var refusals = run.Requests.All.Where(r => !r.Accepted).GroupBy(r => r.PostStatus).Select(g => $"{(int)g.Key}x{g.Count()}");
        run.Note($"refused POSTs by status: {string.Join(", ", refusals.DefaultIfEmpty("none"))}");

        await CheckAnsweredAfterRedisAsync(run, "a new request after the gap is answered (refusals retried every second)", "Afterville", back, cancellationToken);
        run.CheckNoneRestarted();

        var gaveUp = run.Stack.Stack[DaprNames.AppIds.Ingress].App.RecentLines().Count(l => l.Contains("could not be published", StringComparison.Ordinal));
        run.Check("no workflow gives up publishing its request", gaveUp == 0, $"{gaveUp} 'could not be published' lines in the ingress's output");
    }

    private static async Task<bool> UnreachableAsync(ScenarioRun run)
    {
        try
        {
            await run.Stack.Redis.PingAsync();
            return false;
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return true;
        }
    }
}
