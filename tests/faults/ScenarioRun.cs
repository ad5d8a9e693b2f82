using System.Diagnostics;
using RedisStreamDemo.Stack;

namespace Faults;

/// <summary>What a scenario works with while it runs, and what it has found so far.</summary>
public sealed class ScenarioRun
{
    private readonly List<Check> _checks = [];
    private readonly List<string> _notes = [];
    private readonly Action<string>? _log;
    private readonly Dictionary<string, int?> _pidsAtStart;

    internal ScenarioRun(FaultStack stack, Stopwatch clock, Action<string>? log)
    {
        Stack = stack;
        Clock = clock;
        _log = log;
        Requests = new RequestLedger(new IngressClient(stack.Http, stack.Ingress), clock);
        _pidsAtStart = Processes.ToDictionary(p => p.Name, p => p.ProcessId);
    }

    public FaultStack Stack { get; }

    public Stopwatch Clock { get; }

    public RequestLedger Requests { get; }

    public TimeSpan? Recovery { get; set; }

    /// <summary>Accepted requests this fault is known to lose (direct mode's waits die with the ingress); counted apart, not failed.</summary>
    public IReadOnlySet<TrackedRequest> ExpectedLosses => _expectedLosses;

    private readonly HashSet<TrackedRequest> _expectedLosses = [];

    public void ExpectLoss(IEnumerable<TrackedRequest> requests, string why)
    {
        var before = _expectedLosses.Count;
        _expectedLosses.UnionWith(requests);
        Note($"{_expectedLosses.Count - before} accepted request(s) may be lost: {why}");
    }

    public IReadOnlyList<Check> Checks => _checks;

    public IReadOnlyList<string> Notes => _notes;

    public void Check(string name, bool passed, string detail)
    {
        _checks.Add(new Check(name, passed, detail));
        Log($"{(passed ? "ok" : "FAILED")}: {name}: {detail}");
    }

    public void Note(string note)
    {
        _notes.Add(note);
        Log(note);
    }

    /// <summary>
    /// Waits until every accepted request has its final answer, for <paramref name="timeout"/> at most,
    /// and checks that they all had it; <paramref name="name"/> names the check when the default does not say enough.
    /// </summary>
    public async Task CheckSettledAsync(TimeSpan timeout, CancellationToken cancellationToken, string? name = null)
    {
        var settled = await Requests.SettleAsync(timeout, cancellationToken);
        Check(name ?? $"every accepted request gets a final answer within {timeout.TotalSeconds:0} s", settled,
            $"{Requests.Accepted.Count(r => r.Finished)}/{Requests.Accepted.Count} finished");
    }

    /// <summary>Checks that every app and sidecar still runs as the process the stack started (same pid, no restart by the supervisor).</summary>
    public void CheckNoneRestarted(string name = "no app or sidecar had to restart")
    {
        var restarted = Processes.Where(p => p.ProcessId != _pidsAtStart[p.Name] || p.Restarts > 0).Select(p => p.Name).ToList();
        Check(name, restarted.Count == 0,
            restarted.Count == 0 ? $"{_pidsAtStart.Count} processes kept their pids" : $"restarted: {string.Join(", ", restarted)}");
    }

    private IEnumerable<ChildProcess> Processes => Stack.Stack.Instances.SelectMany(i => new[] { i.App, i.Sidecar });

    public void Log(string message) => _log?.Invoke($"[{Clock.Elapsed.TotalSeconds,6:0.0}s] {message}");

    /// <summary>Polls <paramref name="probe"/> until it holds or the timeout passes; true when it held.</summary>
    public static Task<bool> EventuallyAsync(Func<Task<bool>> probe, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? interval = null) =>
        Eventually.LastSeen(probe, held => held, timeout, interval ?? TimeSpan.FromMilliseconds(100), cancellationToken);
}
