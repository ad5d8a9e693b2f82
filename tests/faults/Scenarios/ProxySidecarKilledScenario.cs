using Faults.Infrastructure;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.Stack;

namespace Faults.Scenarios;

/// <summary>
/// The proxy's sidecar dies with SIGKILL under load (a crash, an OOM kill) and the launcher's
/// supervisor starts it again on the same ports, as the kubelet restarts a container; the proxy app
/// stays up. The app's publishes and state calls fail while the sidecar is gone and its deliveries in
/// flight lose their caller; the entries the dead sidecar had read stay pending and come back through
/// the new sidecar's reclaim after processingTimeout (120 s), answered from the reply store when the
/// reply was saved before the kill.
/// </summary>
public sealed class ProxySidecarKilledScenario(CorrelationMode mode = CorrelationMode.Workflow) : FaultScenario(mode)
{
    protected override string BaseName => "proxy-sidecar-sigkill";

    public override string Title => "Proxy's sidecar killed with SIGKILL under load, restarted by the supervisor (the app stays up)";

    // The pending entries wait for processingTimeout (120 s) and the next reclaim tick (redeliverInterval 15 s).
    public override TimeSpan RecoveryBound => TimeSpan.FromSeconds(180);

    public override TimeSpan TimeLimit => TimeSpan.FromMinutes(6);

    protected override FaultStackOptions StackOptions => new()
    {
        AppEnvironment = { [DaprNames.AppIds.Proxy] = new() { ["Terminals__ProcessingTime"] = "00:00:00.200" } },
        SidecarShutdown = SidecarShutdown.Kubernetes,
    };

    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        await WarmUpAsync(run, cancellationToken);
        var stack = run.Stack.Stack;
        var proxy = stack[DaprNames.AppIds.Proxy];
        var appPid = proxy.ProcessId;

        // 80 requests at 20/s against 4 terminals of 200 ms: the pool is full when the kill lands.
        var load = run.Requests.SendAtRateAsync(80, 20, "Crashville", cancellationToken);
        var busyAtKill = 0;
        await ScenarioRun.EventuallyAsync(async () =>
        {
            busyAtKill = await BusyTerminalsAsync(run, cancellationToken);
            return run.Requests.All.Count >= 30 && busyAtKill >= 3;
        }, TimeSpan.FromSeconds(10), cancellationToken, TimeSpan.FromMilliseconds(20));

        var killedAt = run.Clock.Elapsed;
        var sentBeforeKill = run.Requests.All.Count;
        var oldPid = stack.KillSidecar(DaprNames.AppIds.Proxy);
        run.Note($"proxy sidecar pid {oldPid} killed with SIGKILL after {sentBeforeKill} requests, {busyAtKill} terminals busy");

        var restarted = await ScenarioRun.EventuallyAsync(
            () => Task.FromResult(proxy.SidecarProcessId is { } pid && pid != oldPid), TimeSpan.FromSeconds(30), cancellationToken);
        run.Check("the supervisor restarts the killed sidecar", restarted,
            restarted ? $"new pid {proxy.SidecarProcessId} {(run.Clock.Elapsed - killedAt).TotalSeconds:0.0} s after the kill" : "no new process within 30 s");
        await stack.WaitUntilHealthyAsync(proxy, cancellationToken);
        run.Note($"proxy healthy again {(run.Clock.Elapsed - killedAt).TotalSeconds:0.0} s after the kill");

        await load;
        var settled = await run.Requests.SettleAsync(TimeSpan.FromSeconds(240), cancellationToken);
        run.Check("every accepted request gets a final answer within 240 s", settled, $"{run.Requests.Accepted.Count(r => r.Finished)}/{run.Requests.Accepted.Count} finished");
        run.Check("the proxy app survives its sidecar going away (same process)", proxy.ProcessId == appPid && proxy.App.Restarts == 0,
            $"app pid {appPid} -> {proxy.ProcessId}, restarts {proxy.App.Restarts}");

        run.Recovery = LastFinishedSince(run, killedAt);
        var replies = await ReplyAudit.ReadAsync(run.Stack.Redis);
        var republished = run.Requests.Accepted.Count(r => replies.Republished(r.RequestId!) > 0);
        run.Note($"recovery counted from the kill; {republished} request(s) answered again from the reply store");
    }

    private static async Task<int> BusyTerminalsAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        try
        {
            return (await Terminals.ReadAsync(run.Stack.Http, run.Stack.Proxy, cancellationToken)).Busy;
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }
}
