using StackExchange.Redis;

namespace Faults.Scenarios;

/// <summary>
/// Far more requests than terminals: 2 terminals of 500 ms, a 200 ms wait for a free one, and a burst
/// of 40. Deliveries that find no terminal are answered RETRY (backpressure: the sidecar keeps them
/// and retries with backoff) and every request is still processed exactly once: no entry waits in
/// the pending list long enough (processingTimeout, 120 s) to be reclaimed and delivered a second time.
/// </summary>
public sealed class SlowProxyScenario(CorrelationMode mode = CorrelationMode.Workflow) : FaultScenario(
    mode, "slow-proxy",
    "Slow proxy (2 terminals x 500 ms) under a burst of 40: backpressure, no reclaim duplicates",
    recoveryBound: TimeSpan.FromSeconds(60),
    stackOptions: new()
    {
        TerminalCount = 2,
        ProcessingTime = TimeSpan.FromMilliseconds(500),
        AppEnvironment = { [DaprNames.AppIds.Proxy] = new() { ["Terminals__AcquireTimeout"] = "00:00:00.200" } },
    })
{
    // components/pubsub.yaml.
    private static readonly TimeSpan ProcessingTimeout = TimeSpan.FromSeconds(120);

    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        var redis = run.Stack.Redis;

        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var oldestPending = SampleOldestPendingAsync(redis, sampling.Token);

        await run.Requests.SendAtRateAsync(40, 100, "Slowville", cancellationToken);
        var burstSent = run.Clock.Elapsed;
        await run.CheckSettledAsync(TimeSpan.FromSeconds(120), cancellationToken);
        await sampling.CancelAsync();
        var oldest = await oldestPending;
        run.Recovery = LastFinishedSince(run, burstSent);

        var busy = await PrometheusText.SumIfAnsweredAsync(run.Stack.Http, run.Stack.Proxy, "proxy_requests_retried_total", "\"busy\"", cancellationToken);
        run.Check("backpressure: deliveries finding no free terminal are answered RETRY", busy > 0, $"proxy_requests_retried_total{{reason=\"busy\"}} = {busy}");

        var processed = await PrometheusText.SumIfAnsweredAsync(run.Stack.Http, run.Stack.Proxy, "proxy_requests_processed_total", cancellationToken: cancellationToken);
        var accepted = run.Requests.Accepted.Count;
        run.Check("each request processed exactly once (proxy_requests_processed_total = accepted)", processed == accepted, $"{processed} processed for {accepted} accepted");

        var reclaimed = run.Stack.Stack[DaprNames.AppIds.Proxy].Sidecar.RecentLines().Count(l => l.Contains("Reclaimed pending entry", StringComparison.Ordinal));
        run.Check("no entry is reclaimed while still being handled", reclaimed == 0, $"{reclaimed} reclaimed");
        run.Note($"oldest pending entry seen: {oldest.TotalSeconds:0.0} s idle (processingTimeout {ProcessingTimeout.TotalSeconds:0} s); drain took {run.Recovery?.TotalSeconds:0.0} s");
    }

    // The longest time an entry of weather-requests sat unacknowledged in the proxy's group.
    private static async Task<TimeSpan> SampleOldestPendingAsync(IDatabase redis, CancellationToken cancellationToken)
    {
        long oldest = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    var pending = await redis.StreamPendingMessagesAsync(DaprNames.Topics.WeatherRequests, DaprNames.AppIds.Proxy, 200, RedisValue.Null);
                    oldest = Math.Max(oldest, pending.Select(p => p.IdleTimeInMilliseconds).DefaultIfEmpty(0).Max());
                }
                catch (RedisException)
                {
                    // Sampling only; the next round tries again.
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        return TimeSpan.FromMilliseconds(oldest);
    }
}
