using System.Net;

namespace Faults.Scenarios;

/// <summary>
/// Redis is down for a while. A client asking for a forecast must hear about it quickly - 503 with
/// Retry-After, not a hang - and the system must come back by itself when Redis returns. Requests the
/// ingress did accept meanwhile must still be answered.
/// </summary>
public sealed class RedisDownScenario(CorrelationMode mode = CorrelationMode.Workflow) : FaultScenario(
    mode, "redis-down",
    "Redis down: quick 503s, then recovery by itself",
    recoveryBound: TimeSpan.FromSeconds(60))
{
    /// <summary>
    /// The longest a POST may take while Redis is down: Forecasts:SidecarTimeout (5 s) bounds every
    /// sidecar call, plus a second for the rest of the request. Workflow mode is refused at once (the
    /// schedule fails); a direct-mode publish stays in daprd's publish retries until that timeout.
    /// </summary>
    public static readonly TimeSpan QuickAnswer = TimeSpan.FromSeconds(6);

    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        var (stopping, back) = await RedisAwayAsync(run, TimeSpan.Zero, cancellationToken, async () =>
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            await AskWhileDownAsync(run, cancellationToken);
        });
        run.Note($"Redis was down for {(back - stopping).TotalSeconds:0.0} s");

        await CheckAnsweredAfterRedisAsync(run, "a new request is answered after Redis returns, without restarting anything", "Backville", back, cancellationToken);

        await run.CheckSettledAsync(TimeSpan.FromSeconds(120), cancellationToken, "requests accepted while Redis was down get a final answer");
        run.CheckNoneRestarted();
        run.Recovery = LastFinishedSince(run, back);
    }

    // What a client hears while Redis is down: the health endpoint, and POSTs answered quickly with 503.
    private static async Task AskWhileDownAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        var health = await TimedGetAsync(run, new Uri(run.Stack.Ingress, PublicRoutes.Health), cancellationToken);
        run.Note($"ingress /healthz with Redis down: {health}");

        // Both kinds of client at once: waiting for the reply, and asking for the 202 at once.
        var during = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            run.Requests.SendAsync("Downville", respondAsync: i % 2 == 1, timeout: TimeSpan.FromSeconds(30), cancellationToken: cancellationToken)));
        var slowest = during.Max(r => r.PostLatency);
        var statuses = string.Join(", ", during.GroupBy(r => r.PostStatus).Select(g => $"{(int)g.Key}x{g.Count()}"));
        run.Note($"POSTs with Redis down: {statuses}; latency {string.Join(", ", during.Select(r => $"{r.PostLatency.TotalSeconds:0.0}s"))}");
        run.Check($"every POST is answered within {QuickAnswer.TotalSeconds:0} s while Redis is down", slowest <= QuickAnswer,
            $"slowest {slowest.TotalSeconds:0.0} s");
        run.Check("POSTs are answered 503 while Redis is down", during.All(r => r.PostStatus == HttpStatusCode.ServiceUnavailable), statuses);
    }

    private static async Task<string> TimedGetAsync(ScenarioRun run, Uri uri, CancellationToken cancellationToken)
    {
        var started = run.Clock.Elapsed;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(15));
        try
        {
            using var response = await run.Stack.Http.GetAsync(uri, limit.Token);
            return $"{(int)response.StatusCode} in {(run.Clock.Elapsed - started).TotalMilliseconds:0} ms";
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return $"no answer ({ex.GetType().Name}) after {(run.Clock.Elapsed - started).TotalSeconds:0.0} s";
        }
    }
}
