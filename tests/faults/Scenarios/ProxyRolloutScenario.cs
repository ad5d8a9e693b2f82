using RedisStreamDemo.Stack;

namespace Faults.Scenarios;

/// <summary>
/// A rolling update of the proxy under load: its app and its sidecar get SIGTERM at the same moment,
/// as Kubernetes stops a pod, with the sidecar's shutdown flags of k8s/base (block 30 s, grace 20 s).
/// daprd stops its subscriptions at once (deliveries in flight are awaited; entries it had read ahead
/// stay pending) and keeps its API for the block, so the draining app can still publish its replies;
/// then both start again. The entries left pending come back through the reclaim after
/// processingTimeout (120 s in components/pubsub.yaml), which sets the recovery time.
/// </summary>
public sealed class ProxyRolloutScenario(CorrelationMode mode = CorrelationMode.Workflow) : FaultScenario(
    mode, "proxy-rollout",
    "Proxy app and sidecar stopped with SIGTERM together under load (rolling update), then started again",
    // The entries left pending wait for processingTimeout (120 s) from the moment they were read, which
    // goes on during the sidecar's drain (up to 30 s: the deliveries in flight retry against the exiting
    // app under the inbound policy), then for the next reclaim tick (redeliverInterval 15 s).
    recoveryBound: TimeSpan.FromSeconds(210),
    timeLimit: TimeSpan.FromMinutes(6),
    stackOptions: new() { ProcessingTime = TimeSpan.FromMilliseconds(200), SidecarShutdown = SidecarShutdown.Kubernetes })
{
    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        var stack = run.Stack.Stack;
        var proxy = stack[DaprNames.AppIds.Proxy];

        // 120 requests at 10/s against 4 terminals of 200 ms: the load goes on through the whole stop.
        var load = run.Requests.SendAtRateAsync(120, 10, "Rollville", cancellationToken);
        await UntilBusyAsync(run, 1, TimeSpan.FromSeconds(15), cancellationToken);

        var stopping = run.Clock.Elapsed;
        var stoppingUtc = DateTimeOffset.UtcNow;
        var sentBefore = run.Requests.All.Count;
        var stop = stack.StopInstanceAsync(DaprNames.AppIds.Proxy);
        var appExited = await ScenarioRun.EventuallyAsync(() => Task.FromResult(!proxy.App.IsRunning), TimeSpan.FromSeconds(60), cancellationToken);
        var appExitedAt = run.Clock.Elapsed;
        await stop;
        var stoppedAt = run.Clock.Elapsed;
        run.Note($"SIGTERM to the proxy and its sidecar after {sentBefore} requests; app exited after {(appExitedAt - stopping).TotalSeconds:0.0} s, sidecar after {(stoppedAt - stopping).TotalSeconds:0.0} s");

        var killed = stack.LauncherLog().Any(l => l.Contains("did not stop within", StringComparison.Ordinal));
        run.Check("the app and the sidecar exit by themselves within the pod's grace period (no SIGKILL)", appExited && !killed,
            killed ? "the launcher had to SIGKILL one of them" : $"both exited in {(stoppedAt - stopping).TotalSeconds:0.0} s");
        var sidecarLines = proxy.Sidecar.RecentLines();
        var blocked = sidecarLines.Any(l => l.Contains("Blocking graceful shutdown", StringComparison.Ordinal));
        var clean = sidecarLines.Any(l => l.Contains("Dapr runtime stopped", StringComparison.Ordinal))
            && !sidecarLines.Any(l => l.Contains("Graceful shutdown timeout exceeded", StringComparison.Ordinal));
        run.Check("the sidecar blocks its shutdown, then stops within its grace period", blocked && clean,
            $"block logged: {blocked}; clean stop: {clean}");
        var drained = proxy.App.RecentLines().Any(l => l.Contains("Every terminal finished its work", StringComparison.Ordinal));
        run.Check("the proxy drains its terminals before exiting", drained,
            drained ? "logged 'Every terminal finished its work'" : "no drain message in the proxy's output");

        var replies = await ReplyAudit.ReadAsync(run.Stack.Redis);
        var publishedWhileStopping = run.Requests.Accepted.Count(r => replies.For(r.RequestId!).Any(e => e.PublishedAt >= stoppingUtc));
        run.Note($"{publishedWhileStopping} replies published since SIGTERM (the draining app publishes through the blocked sidecar)");

        await stack.StartInstanceAsync(DaprNames.AppIds.Proxy, cancellationToken: cancellationToken);
        var back = run.Clock.Elapsed;
        run.Note($"proxy and sidecar healthy again {(back - stopping).TotalSeconds:0.0} s after SIGTERM");

        await load;
        await run.CheckSettledAsync(TimeSpan.FromSeconds(240), cancellationToken);
        run.Recovery = LastFinishedSince(run, stopping);
        run.Note("recovery counted from SIGTERM (the restart is part of the rollout)");
    }

}
