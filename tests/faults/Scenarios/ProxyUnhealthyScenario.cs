using System.Diagnostics;
using System.Globalization;

namespace Faults.Scenarios;

/// <summary>
/// The proxy freezes (SIGSTOP: a process that still holds its port but answers nothing, as a stuck GC,
/// a dead-locked thread pool or a paused container) under load, for longer than its sidecar's health
/// threshold (3 failed probes 5 s apart, dapr.yaml's check on /livez), then resumes (SIGCONT). Its
/// sidecar turns the app unhealthy and stops its subscriptions: deliveries in flight time out and their
/// retries are refused while the app is unhealthy, so their entries stay pending until the reclaim
/// (processingTimeout) delivers them again; entries published meanwhile wait in the stream until the
/// first healthy probe restarts the subscriptions. Nothing accepted is lost and nothing is processed
/// twice: a request the resumed process had already done is answered again from the reply store.
/// </summary>
public sealed class ProxyUnhealthyScenario(CorrelationMode mode = CorrelationMode.Workflow) : FaultScenario(
    mode, "proxy-unhealthy",
    "Proxy frozen (SIGSTOP) under load beyond its health threshold, then resumed",
    // An entry is stranded by a read as late as the end of the stop (unhealthy verdict + drain); it is
    // reclaimable processingTimeout after that read, at the next reclaim tick; then 20 s to answer.
    recoveryBound: UnhealthyAfter + DrainMax + ProcessingTimeout + RedeliverInterval + TimeSpan.FromSeconds(20),
    timeLimit: TimeSpan.FromMinutes(6),
    stackOptions: new() { ProcessingTime = TimeSpan.FromMilliseconds(200) })
{
    // dapr.yaml's check with daprd's defaults: 3 failed probes 5 s apart, the first up to 5 s after the freeze.
    private static readonly TimeSpan UnhealthyAfter = TimeSpan.FromSeconds(15);

    // subscription.go Stop waits up to 30 s (+400 ms) for deliveries in flight; the poll loop reads until then.
    private static readonly TimeSpan DrainMax = TimeSpan.FromSeconds(30.4);

    // components/pubsub.yaml processingTimeout and redeliverInterval: the bound on a stranded entry.
    private static readonly TimeSpan ProcessingTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan RedeliverInterval = TimeSpan.FromSeconds(15);

    // Beyond the sidecar's verdict, so the app stays unhealthy for a while and is probed healthy again.
    private static readonly TimeSpan FrozenAfterUnhealthy = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        var proxy = run.Stack.Stack[DaprNames.AppIds.Proxy];
        var sidecarPid = proxy.SidecarProcessId;
        var appPid = proxy.ProcessId ?? throw new InvalidOperationException("the proxy is not running");
        run.Check("the proxy's sidecar probes the app (dapr.yaml enableAppHealthCheck)",
            proxy.Sidecar.RecentLines().Any(l => l.Contains("App health probes starting", StringComparison.Ordinal)), "App health probes starting");

        // The sidecar's recent lines are a window of 400: every line from here on is collected as it passes.
        var before = proxy.Sidecar.RecentLines().ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = WatchAsync(() => proxy.Sidecar.RecentLines(), before, seen, watching.Token);
        bool Saw(string text)
        {
            lock (seen)
            {
                return seen.Any(l => l.Contains(text, StringComparison.Ordinal));
            }
        }
        int Count(string text)
        {
            lock (seen)
            {
                return seen.Count(l => l.Contains(text, StringComparison.Ordinal));
            }
        }

        // 120 requests at 20/s: the load goes on while the proxy is frozen and after it resumes.
        var load = run.Requests.SendAtRateAsync(120, 20, "Frozenville", cancellationToken);
        await ScenarioRun.EventuallyAsync(() => Task.FromResult(run.Requests.All.Count >= 30), TimeSpan.FromSeconds(10), cancellationToken, TimeSpan.FromMilliseconds(20));

        var frozenAt = run.Clock.Elapsed;
        await SignalAsync("STOP", appPid);
        run.Note($"proxy pid {appPid} frozen with SIGSTOP after {run.Requests.All.Count} requests");
        TimeSpan? unhealthyAt = null;
        try
        {
            var unhealthy = await ScenarioRun.EventuallyAsync(
                () => Task.FromResult(Saw("App entered un-healthy status")),
                TimeSpan.FromSeconds(40), cancellationToken, TimeSpan.FromMilliseconds(100));
            unhealthyAt = unhealthy ? run.Clock.Elapsed : null;
            run.Check("the sidecar finds the frozen app unhealthy", unhealthy,
                unhealthy ? $"{(unhealthyAt - frozenAt)?.TotalSeconds:0.0} s after SIGSTOP" : "no verdict within 40 s");
            await Task.Delay(FrozenAfterUnhealthy, cancellationToken);
        }
        finally
        {
            // Whatever happened, the process is not left frozen.
            await SignalAsync("CONT", appPid);
        }
        var resumedAt = run.Clock.Elapsed;
        run.Note($"proxy resumed with SIGCONT after {(resumedAt - frozenAt).TotalSeconds:0.0} s frozen");

        var healthy = await ScenarioRun.EventuallyAsync(
            () => Task.FromResult(Saw("App entered healthy status") && Saw("App subscriptions started")),
            TimeSpan.FromSeconds(40), cancellationToken, TimeSpan.FromMilliseconds(100));
        run.Check("the sidecar finds the app healthy again and restarts its subscriptions", healthy,
            healthy ? $"{(run.Clock.Elapsed - resumedAt).TotalSeconds:0.0} s after SIGCONT" : "no healthy verdict within 30 s");

        await load;
        await run.CheckSettledAsync(RecoveryBound + TimeSpan.FromSeconds(30), cancellationToken);
        run.Check("the proxy and its sidecar keep running (no restart)", proxy.ProcessId == appPid && proxy.SidecarProcessId == sidecarPid,
            $"app pid {appPid} -> {proxy.ProcessId}, sidecar pid {sidecarPid} -> {proxy.SidecarProcessId}");

        run.Recovery = LastFinishedSince(run, frozenAt);
        await watching.CancelAsync();
        await watch;
        var refused = Count("app is not in a healthy state");
        var stranded = Count("left pending");
        var reclaimed = Count("Reclaimed pending entry");
        var republished = await AnsweredAgainAsync(run);
        run.Note(string.Create(CultureInfo.InvariantCulture,
            $"recovery counted from SIGSTOP; {refused} delivery attempt(s) refused while unhealthy, {stranded} entr(y/ies) left pending, {reclaimed} reclaimed, {republished} request(s) answered again from the reply store"));
    }

    private static async Task WatchAsync(Func<IReadOnlyList<string>> lines, HashSet<string> before, HashSet<string> seen, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var now = lines();
                lock (seen)
                {
                    seen.UnionWith(now.Where(l => !before.Contains(l)));
                }
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task SignalAsync(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)])
            ?? throw new InvalidOperationException($"kill -{signal} did not start");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} exited with {kill.ExitCode}");
        }
    }
}
