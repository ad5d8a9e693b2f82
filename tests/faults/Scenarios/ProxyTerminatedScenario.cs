using RedisStreamDemo.Stack;

namespace Faults.Scenarios;

/// <summary>
/// The proxy gets SIGTERM (a rolling update, a scale-in) while every terminal is busy with 500 ms of
/// work. It must refuse new deliveries (RETRY, kept by the sidecar), let the work in flight finish and
/// publish its replies before it exits, and lose nothing; the requests it refused are answered once
/// it is back.
/// </summary>
public sealed class ProxyTerminatedScenario(CorrelationMode mode = CorrelationMode.Workflow) : FaultScenario(
    mode, "proxy-sigterm",
    "Proxy stopped with SIGTERM mid-work (500 ms per request), then started again",
    recoveryBound: TimeSpan.FromSeconds(60),
    stackOptions: new() { ProcessingTime = TimeSpan.FromMilliseconds(500) })
{
    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        var stack = run.Stack.Stack;

        // 40 requests on 4 terminals of 500 ms: about 5 s of work queued behind the busy terminals.
        await run.Requests.SendAtRateAsync(40, 40, "Termville", cancellationToken);
        Terminals? busy = null;
        await ScenarioRun.EventuallyAsync(async () =>
        {
            busy = await Terminals.ReadAsync(run.Stack.Http, run.Stack.Proxy, cancellationToken);
            return busy.Busy == busy.Capacity;
        }, TimeSpan.FromSeconds(15), cancellationToken);
        var inFlight = busy?.Pool.Select(t => t.CurrentRequestId).OfType<string>().ToList() ?? [];
        run.Check("every terminal is busy when SIGTERM is sent", inFlight.Count == busy?.Capacity, $"{inFlight.Count} busy of {busy?.Capacity}");

        var stopping = run.Clock.Elapsed;
        await stack.StopAppAsync(DaprNames.AppIds.Proxy, StopSignal.Term);
        var stoppedAt = run.Clock.Elapsed;
        var stoppedUtc = DateTimeOffset.UtcNow;
        run.Note($"proxy exited {(stoppedAt - stopping).TotalMilliseconds:0} ms after SIGTERM");

        var proxy = stack[DaprNames.AppIds.Proxy];
        var killed = stack.LauncherLog().Any(l => l.Contains("did not stop within", StringComparison.Ordinal));
        run.Check("the proxy exits by itself within the grace period (no SIGKILL)", !killed && !proxy.App.IsRunning,
            killed ? "the launcher had to SIGKILL it" : $"exited in {(stoppedAt - stopping).TotalSeconds:0.0} s");
        var drained = proxy.App.RecentLines().Any(l => l.Contains("Every terminal finished its work", StringComparison.Ordinal));
        run.Check("the proxy drains its terminals before exiting", drained,
            drained ? "logged 'Every terminal finished its work'" : "no drain message in the proxy's output");

        var replies = await ReplyAudit.ReadAsync(run.Stack.Redis);
        var unfinished = inFlight
            .Where(id => !replies.For(id).Any(e => e.PublishedAt <= stoppedUtc.AddMilliseconds(50)))
            .ToList();
        run.Check("work in flight at SIGTERM is finished and its reply published before the exit", unfinished.Count == 0,
            unfinished.Count == 0 ? $"{inFlight.Count} replies published by the stopping process" : $"no reply before the exit for {string.Join(", ", unfinished)}");

        await stack.StartAppAsync(DaprNames.AppIds.Proxy, cancellationToken: cancellationToken);
        var back = run.Clock.Elapsed;
        run.Note($"proxy healthy again {(back - stoppedAt).TotalSeconds:0.0} s after it exited");

        await run.CheckSettledAsync(TimeSpan.FromSeconds(120), cancellationToken);
        var refused = await PrometheusText.SumIfAnsweredAsync(run.Stack.Http, run.Stack.Proxy, "proxy_requests_retried_total", "shutting_down", cancellationToken);
        run.Note($"recovery counted from the restarted proxy being healthy; shutting_down RETRY answers by the new process: {refused} (the old process's counters died with it)");
        run.Recovery = LastFinishedSince(run, back);
    }
}
