using Benchmarks.Cases;

namespace Benchmarks.Results;

/// <summary>Everything one run measured, in the order it ran.</summary>
internal sealed class SuiteResults
{
    public List<CaseResult> Cases { get; } = [];

    public List<ColdPhase> ColdPhases { get; } = [];

    /// <summary>Per case, the per-hop breakdown of its c = 1 repetitions.</summary>
    public Dictionary<string, HopBreakdown> Breakdowns { get; } = new(StringComparer.Ordinal);

    /// <summary>Per case, CPU ms per second of each process with no load, after its last window.</summary>
    public Dictionary<string, Dictionary<string, double?>> IdleCpuMsPerSecond { get; } = new(StringComparer.Ordinal);

    /// <summary>Per case, Redis commands per request (INFO commandstats around one window at c = 16; calls made inside a Lua script count too).</summary>
    public Dictionary<string, Dictionary<string, double>> RedisCallsPerRequest { get; } = new(StringComparer.Ordinal);

    /// <summary>Per case, spans the apps exported to the live collector per request (the whole case, warm-up included).</summary>
    public Dictionary<string, double> SpansPerRequest { get; } = new(StringComparer.Ordinal);

    /// <summary>Per case, which process filled each slot (slot -> process name).</summary>
    public Dictionary<string, Dictionary<string, string>> Processes { get; } = new(StringComparer.Ordinal);
}
