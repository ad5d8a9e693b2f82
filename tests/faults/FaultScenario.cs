using System.Diagnostics;
using RedisStreamDemo.Stack;

namespace Faults;

/// <summary>
/// One fault on a fresh system: its own LocalStack on free ports, torn down afterwards. The run is
/// bounded by <see cref="TimeLimit"/>; whatever happens, a result comes back.
/// </summary>
public abstract class FaultScenario(
    CorrelationMode mode, string baseName, string title, TimeSpan recoveryBound, TimeSpan? timeLimit = null, FaultStackOptions? stackOptions = null)
{
    /// <summary>Short, stable name (command line, JSON, test names); Direct mode's variants end in -direct.</summary>
    public string Name => Mode == CorrelationMode.Direct ? $"{baseName}-direct" : baseName;

    /// <summary>The ingress's Correlation:Mode, set explicitly so a change of the product's default cannot swap them.</summary>
    public CorrelationMode Mode { get; } = mode;

    public string Title { get; } = title;

    /// <summary>How long after the fault every accepted request must be answered.</summary>
    public TimeSpan RecoveryBound { get; } = recoveryBound;

    public TimeSpan TimeLimit { get; } = timeLimit ?? TimeSpan.FromMinutes(4);

    private FaultStackOptions StackOptions => stackOptions ?? new();

    /// <summary>The fault and what it checks; runs after the warm-up (<see cref="WarmUpAsync"/>).</summary>
    protected abstract Task ExecuteAsync(ScenarioRun run, CancellationToken cancellationToken);

    public async Task<ScenarioResult> RunAsync(Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeLimit);
        var clock = Stopwatch.StartNew();
        log?.Invoke($"== {Name}: {Title} ({Mode} mode)");

        FaultStack stack;
        try
        {
            stack = await FaultStack.StartAsync(WithMode(StackOptions), log is null ? null : line => log($"   {line}"), limit.Token);
        }
        catch (Exception ex) when (ex is StackStartException or FileNotFoundException or TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            return new ScenarioResult(Name, Title, 0, 0, 0, 0, 0, 0, 0, null, RecoveryBound, clock.Elapsed,
                [new Check("the stack starts", false, ex.Message)], [], [], ex.ToString());
        }

        await using (stack)
        {
            var run = new ScenarioRun(stack, clock, log is null ? null : line => log($"   {line}"));
            try
            {
                await WarmUpAsync(run, limit.Token);
                await ExecuteAsync(run, limit.Token);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || limit.IsCancellationRequested)
            {
                run.Check("the scenario runs to its end", false,
                    ex is OperationCanceledException ? $"time limit of {TimeLimit.TotalSeconds:0} s reached" : ex.ToString());
            }
            return await SummariseAsync(run, clock);
        }
    }

    private FaultStackOptions WithMode(FaultStackOptions options)
    {
        options.SetEnvironment(DaprNames.AppIds.Ingress, "Correlation__Mode", Mode.ToString());
        return options;
    }

    private async Task<ScenarioResult> SummariseAsync(ScenarioRun run, Stopwatch clock)
    {
        var all = run.Requests.All;
        var accepted = all.Where(r => r.Accepted).ToList();
        var lost = accepted.Where(r => !r.Completed).ToList();

        var duplicated = 0;
        var republished = 0;
        try
        {
            var audit = await ReplyAudit.ReadAsync(run.Stack.Redis);
            foreach (var request in accepted)
            {
                var times = audit.TimesProcessed(request.RequestId!);
                if (times > 1)
                {
                    duplicated++;
                    run.Note($"request {request.RequestId} ({request.City}) processed {times} times: " +
                             string.Join(", ", audit.For(request.RequestId!).Select(e => $"{e.ProcessedAt} on {e.Terminal}")));
                }
                republished += audit.Republished(request.RequestId!);
            }
            // Duplicates are counted from the published replies: an audit that cannot see a completed
            // request's reply (e.g. direct mode's per-replica topic) would find none.
            var unseen = accepted.Where(r => r.Completed && audit.For(r.RequestId!).Count == 0).Select(r => r.RequestId).ToList();
            run.Check("the reply audit sees a published reply for every completed request", unseen.Count == 0,
                unseen.Count == 0 ? $"{audit.Entries} reply entries" : $"no reply entry for {string.Join(", ", unseen.Take(5))}");
            if (audit.Unreadable > 0)
            {
                run.Note($"{audit.Unreadable} unreadable entries in the reply topics");
            }
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            run.Check("weather-responses can be audited", false, ex.Message);
        }

        var result = new ScenarioResult(
            Name, Title,
            Sent: all.Count,
            Accepted: accepted.Count,
            Refused: all.Count - accepted.Count,
            Completed: accepted.Count - lost.Count,
            Lost: lost.Count,
            Duplicated: duplicated,
            Republished: republished,
            Recovery: run.Recovery,
            RecoveryBound: RecoveryBound,
            Duration: clock.Elapsed,
            Checks: run.Checks,
            Notes: run.Notes,
            LostRequests: [.. lost.Select(r => r.ToString())],
            Diagnostics: null,
            ExpectedLost: lost.Count(run.ExpectedLosses.Contains));
        return result.Passed ? result : result with { Diagnostics = run.Stack.Diagnostics() };
    }

    /// <summary>
    /// One request end to end before the fault: the system works, and the first-request costs are
    /// paid. A fresh stack on a loaded machine may refuse the first ones (503: its first sidecar
    /// calls outlive their timeouts while everything is compiled), so it asks every second, for a
    /// minute at most; the refusals are counted as refused, any accepted one is followed to its end.
    /// </summary>
    private static async Task WarmUpAsync(ScenarioRun run, CancellationToken cancellationToken)
    {
        var request = await FirstAnsweredAsync(run, "Warmup", cancellationToken)
            ?? throw new InvalidOperationException($"No warm-up request was answered within a minute: {string.Join("; ", run.Requests.All)}");
        await run.Requests.SettleAsync(TimeSpan.FromSeconds(60), cancellationToken);
        run.Log($"warm-up answered in {(request.FinishedAt - request.SentAt)?.TotalMilliseconds:0} ms after {run.Requests.All.Count - 1} refused or unanswered tries");
    }

    /// <summary>
    /// A fresh request every second until one is answered end to end, as a client honouring
    /// Retry-After would send them (an outbound circuit breaker opened by a fault refuses publishes
    /// for its open time); null when none is within a minute.
    /// </summary>
    protected static async Task<TrackedRequest?> FirstAnsweredAsync(ScenarioRun run, string city, CancellationToken cancellationToken)
    {
        TrackedRequest? answered = null;
        await ScenarioRun.EventuallyAsync(async () =>
        {
            var probe = await run.Requests.SendAsync(city, respondAsync: false, timeout: TimeSpan.FromSeconds(15), cancellationToken: cancellationToken);
            answered = probe.Completed ? probe : null;
            return answered is not null;
        }, TimeSpan.FromSeconds(60), cancellationToken, TimeSpan.FromSeconds(1));
        return answered;
    }

    /// <summary>
    /// Waits, while a load runs, until 30 requests are sent and at least <paramref name="busy"/> of the
    /// proxy's terminals are busy, polling every 20 ms for <paramref name="timeout"/> at most; the busy
    /// count last seen, so a fault lands with the pool at work.
    /// </summary>
    protected static async Task<int> UntilBusyAsync(ScenarioRun run, int busy, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var seen = 0;
        await ScenarioRun.EventuallyAsync(async () =>
        {
            seen = await Terminals.BusyAsync(run.Stack.Http, run.Stack.Proxy, cancellationToken);
            return run.Requests.All.Count >= 30 && seen >= busy;
        }, timeout, cancellationToken, TimeSpan.FromMilliseconds(20));
        return seen;
    }

    /// <summary>
    /// 80 requests at 20/s against 4 terminals of 200 ms, and the <paramref name="target"/> of the proxy
    /// SIGKILLed once 3 terminals are busy, so the pool is full when the kill lands; then the
    /// supervisor's restart, every accepted request settled within <paramref name="settle"/>, the part
    /// not killed still running, and recovery counted from the kill.
    /// </summary>
    protected static async Task KillProxyUnderLoadAsync(ScenarioRun run, KillTarget target, string city, TimeSpan settle, CancellationToken cancellationToken)
    {
        var proxy = run.Stack.Stack[DaprNames.AppIds.Proxy];
        var load = run.Requests.SendAtRateAsync(80, 20, city, cancellationToken);
        var busyAtKill = await UntilBusyAsync(run, 3, TimeSpan.FromSeconds(10), cancellationToken);
        var kill = SupervisedKill.Kill(run, proxy, target, $"after {run.Requests.All.Count} requests, {busyAtKill} terminals busy");
        await kill.AwaitRestartAsync(run, cancellationToken);

        await load;
        await run.CheckSettledAsync(settle, cancellationToken);
        kill.CheckSparedKeptRunning(run);
        run.Recovery = LastFinishedSince(run, kill.KilledAt);
    }

    /// <summary>
    /// Stops Redis (SIGTERM: the AOF is flushed), runs <paramref name="whileAway"/>, waits out the rest of
    /// <paramref name="gap"/> and starts Redis again on the same port and data folder; when the stop began
    /// and when Redis was back.
    /// </summary>
    protected static async Task<(TimeSpan Stopping, TimeSpan Back)> RedisAwayAsync(
        ScenarioRun run, TimeSpan gap, CancellationToken cancellationToken, Func<Task>? whileAway = null)
    {
        var stopping = run.Clock.Elapsed;
        await run.Stack.Stack.StopRedisAsync();
        var gapStarted = run.Clock.Elapsed;
        if (whileAway is not null)
        {
            await whileAway();
        }
        var rest = gap - (run.Clock.Elapsed - gapStarted);
        await Task.Delay(rest > TimeSpan.Zero ? rest : TimeSpan.Zero, cancellationToken);
        await run.Stack.Stack.StartRedisAsync(cancellationToken);
        return (stopping, run.Clock.Elapsed);
    }

    /// <summary>
    /// Checks that a new request is answered after Redis returned at <paramref name="back"/>: sent every
    /// second until one is (the outbound circuit breaker, opened by the publishes that failed while Redis
    /// was away, refuses publishes for its 15 s), for a minute at most.
    /// </summary>
    protected static async Task CheckAnsweredAfterRedisAsync(ScenarioRun run, string name, string city, TimeSpan back, CancellationToken cancellationToken)
    {
        var answered = await FirstAnsweredAsync(run, city, cancellationToken);
        run.Check(name, answered is not null,
            answered is null ? "none within 60 s" : $"{(answered.FinishedAt!.Value - back).TotalSeconds:0.0} s after Redis returned");
    }

    /// <summary>How many accepted requests were answered again from the proxy's reply store (a redelivery after the fault).</summary>
    protected static async Task<int> AnsweredAgainAsync(ScenarioRun run)
    {
        var replies = await ReplyAudit.ReadAsync(run.Stack.Redis);
        return run.Requests.Accepted.Count(r => replies.Republished(r.RequestId!) > 0);
    }

    /// <summary>Time from <paramref name="from"/> until the last accepted request finished; null while any is unfinished.</summary>
    protected static TimeSpan? LastFinishedSince(ScenarioRun run, TimeSpan from)
    {
        var accepted = run.Requests.Accepted.Where(r => !run.ExpectedLosses.Contains(r)).ToList();
        if (accepted.Any(r => !r.Completed))
        {
            return null;
        }
        var last = accepted.Select(r => r.FinishedAt ?? TimeSpan.Zero).DefaultIfEmpty(from).Max();
        return last > from ? last - from : TimeSpan.Zero;
    }
}
