using System.Diagnostics;
using Faults.Infrastructure;
using RedisStreamDemo.Contracts;

namespace Faults.Scenarios;

/// <summary>
/// The proxy dies with SIGKILL while requests stream in (a crash or OOM kill); the launcher's
/// supervisor restarts it, as Kubernetes would. Its sidecar stays up: the deliveries it had in flight
/// to the dead process fail and are retried under the inbound policy until the new process answers.
/// A request whose reply was saved (and perhaps published) before the kill is answered by the new
/// process from the reply store, with the same reply; one whose work was cut short is processed from
/// the start, and only that one reply is ever published. Either way nothing is processed twice.
/// </summary>
public sealed class ProxyKilledScenario(CorrelationMode mode = CorrelationMode.Workflow) : FaultScenario(mode)
{
    protected override string BaseName => "proxy-sigkill";

    public override string Title => "Proxy killed with SIGKILL under load, restarted by the supervisor";

    // Supervisor backoff 1 s + start-up, then the retry backoff of the deliveries that failed meanwhile.
    public override TimeSpan RecoveryBound => TimeSpan.FromSeconds(60);

    protected override FaultStackOptions StackOptions => new()
    {
        AppEnvironment = { [DaprNames.AppIds.Proxy] = new() { ["Terminals__ProcessingTime"] = "00:00:00.200" } },
    };

    protected override async Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        await WarmUpAsync(run, cancellationToken);
        var stack = run.Stack.Stack;
        var proxy = stack[DaprNames.AppIds.Proxy];
        var sidecarPid = proxy.SidecarProcessId;

        // 80 requests at 20/s against 4 terminals of 200 ms: the pool is full when the kill lands.
        var load = run.Requests.SendAtRateAsync(80, 20, "Killville", cancellationToken);
        // Killed in the middle of the load, with the pool busy.
        var busyAtKill = 0;
        await ScenarioRun.EventuallyAsync(async () =>
        {
            busyAtKill = await BusyTerminalsAsync(run, cancellationToken);
            return run.Requests.All.Count >= 30 && busyAtKill >= 3;
        }, TimeSpan.FromSeconds(10), cancellationToken, TimeSpan.FromMilliseconds(20));

        var oldPid = proxy.ProcessId ?? throw new InvalidOperationException("the proxy is not running");
        var killedAt = run.Clock.Elapsed;
        var sentBeforeKill = run.Requests.All.Count;
        // Killed from outside the launcher, so its supervisor sees a crash and restarts the process.
        using (var process = Process.GetProcessById(oldPid))
        {
            process.Kill();
        }
        run.Note($"proxy pid {oldPid} killed with SIGKILL after {sentBeforeKill} requests, {busyAtKill} terminals busy");

        var restarted = await ScenarioRun.EventuallyAsync(
            () => Task.FromResult(proxy.ProcessId is { } pid && pid != oldPid), TimeSpan.FromSeconds(30), cancellationToken);
        run.Check("the supervisor restarts the killed proxy", restarted,
            restarted ? $"new pid {proxy.ProcessId} {(run.Clock.Elapsed - killedAt).TotalSeconds:0.0} s after the kill" : "no new process within 30 s");
        await stack.WaitUntilHealthyAsync(proxy, cancellationToken);
        var healthyAt = run.Clock.Elapsed;
        run.Note($"proxy healthy again {(healthyAt - killedAt).TotalSeconds:0.0} s after the kill");

        await load;
        var settled = await run.Requests.SettleAsync(TimeSpan.FromSeconds(120), cancellationToken);
        run.Check("every accepted request gets a final answer within 120 s", settled, $"{run.Requests.Accepted.Count(r => r.Finished)}/{run.Requests.Accepted.Count} finished");
        run.Check("the proxy's sidecar keeps running", proxy.SidecarProcessId == sidecarPid, $"sidecar pid {sidecarPid} -> {proxy.SidecarProcessId}");

        run.Recovery = LastFinishedSince(run, killedAt);
        var replies = await ReplyAudit.ReadAsync(run.Stack.Redis);
        var republished = run.Requests.Accepted.Count(r => replies.Republished(r.RequestId!) > 0);
        run.Note($"recovery counted from the kill (the restart is part of the system); {republished} request(s) answered again from the reply store");
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
