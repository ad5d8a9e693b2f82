using System.Diagnostics;
using Faults.Infrastructure;
using TestSupport;

namespace Faults;

/// <summary>What a scenario works with while it runs, and what it has found so far.</summary>
public sealed class ScenarioRun
{
    private readonly List<Check> _checks = [];
    private readonly List<string> _notes = [];
    private readonly Action<string>? _log;

    internal ScenarioRun(FaultStack stack, Stopwatch clock, Action<string>? log)
    {
        Stack = stack;
        Clock = clock;
        _log = log;
        Requests = new RequestLedger(new IngressClient(stack.Http, stack.Ingress), clock);
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

    public void Log(string message) => _log?.Invoke($"[{Clock.Elapsed.TotalSeconds,6:0.0}s] {message}");

    /// <summary>Polls <paramref name="probe"/> until it holds or the timeout passes; true when it held.</summary>
    public static Task<bool> EventuallyAsync(Func<Task<bool>> probe, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? interval = null) =>
        Eventually.LastSeen(probe, held => held, timeout, interval ?? TimeSpan.FromMilliseconds(100), cancellationToken);
}
