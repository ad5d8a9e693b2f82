using Faults.Infrastructure;
using RedisStreamDemo.Contracts;

namespace Faults.Scenarios;

/// <summary>
/// Redis (appendonly yes) goes away for about 3 s under load and comes back: longer than one publish
/// attempt, so the publish activities in flight fail several times over and must be retried until
/// Redis is back. New POSTs meanwhile may be refused with 503 (the client is told); every request
/// accepted before, during or after the gap must be answered 200 with its own reply, and no process
/// may need a restart.
/// </summary>
public sealed class RedisBlipScenario : FaultScenario
{
    private static readonly TimeSpan Gap = TimeSpan.FromSeconds(3);

    protected override string BaseName => "redis-blip";

    public override string Title => "Redis away for 3 s under load (publishes fail repeatedly), then back";

    // As redis-restart: an entry read but not acknowledged when Redis went away waits for the
    // reclaim loop, processingTimeout (120 s, components/pubsub.yaml) plus one redeliverInterval (15 s).
    public override TimeSpan RecoveryBound => TimeSpan.FromSeconds(150);

    public override TimeSpan TimeLimit => TimeSpan.FromMinutes(5);

    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        await WarmUpAsync(run, cancellationToken);
        var stack = run.Stack.Stack;
        var processes = stack.Instances.SelectMany(i => new[] { i.App, i.Sidecar }).ToList();
        var pids = processes.ToDictionary(p => p.Name, p => p.ProcessId);

        // 80 requests at 10/s: 2 s of load before the gap, 3 s during it, 3 s after.
        var load = run.Requests.SendAtRateAsync(80, 10, "Blipville", cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);

        var stopping = run.Clock.Elapsed;
        await stack.StopRedisAsync();
        var gapStarted = run.Clock.Elapsed;
        var unreachable = await UnreachableAsync(run);
        var rest = Gap - (run.Clock.Elapsed - gapStarted);
        await Task.Delay(rest > TimeSpan.Zero ? rest : TimeSpan.Zero, cancellationToken);
        await stack.StartRedisAsync(cancellationToken);
        var back = run.Clock.Elapsed;
        run.Check("Redis is unreachable during the gap", unreachable, unreachable ? "PING failed" : "PING answered");
        run.Note($"Redis away for {(back - stopping).TotalMilliseconds:0} ms (SIGTERM, AOF flushed, {Gap.TotalSeconds:0} s pause, started again)");

        await load;
        var settled = await run.Requests.SettleAsync(TimeSpan.FromSeconds(180), cancellationToken);
        run.Check("every accepted request gets a final answer within 180 s", settled, $"{run.Requests.Accepted.Count(r => r.Finished)}/{run.Requests.Accepted.Count} finished");
        run.Recovery = LastFinishedSince(run, back);

        var during = run.Requests.All.Where(r => r.SentAt >= stopping && r.SentAt < back).ToList();
        run.Note($"{during.Count} POSTs sent while Redis was away: {during.Count(r => r.Accepted)} accepted, {during.Count(r => !r.Accepted)} refused");
        var refusals = run.Requests.All.Where(r => !r.Accepted).GroupBy(r => r.PostStatus).Select(g => $"{(int)g.Key}x{g.Count()}");
        run.Note($"refused POSTs by status: {string.Join(", ", refusals.DefaultIfEmpty("none"))}");

        // The outbound circuit breaker, opened by the publishes that failed while Redis was away,
        // refuses publishes for its 15 s: refusals are retried.
        var probe = await FirstAnsweredAsync(run, "Afterville", cancellationToken);
        run.Check("a new request after the gap is answered (refusals retried every second)", probe is not null,
            probe is null ? "none within 60 s" : $"{(probe.FinishedAt!.Value - back).TotalSeconds:0.0} s after Redis returned");

        var restarted = processes.Where(p => p.ProcessId != pids[p.Name] || p.Restarts > 0).Select(p => p.Name).ToList();
        run.Check("no app or sidecar had to restart", restarted.Count == 0,
            restarted.Count == 0 ? $"{processes.Count} processes kept their pids" : $"restarted: {string.Join(", ", restarted)}");

        var gaveUp = stack[DaprNames.AppIds.Ingress].App.RecentLines().Count(l => l.Contains("could not be published", StringComparison.Ordinal));
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
