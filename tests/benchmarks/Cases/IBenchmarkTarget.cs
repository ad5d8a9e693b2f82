using Benchmarks.Measurement;
using LoadTest.Running;

namespace Benchmarks.Cases;

/// <summary>A running system to measure: sends one request and names the processes to watch.</summary>
internal interface IBenchmarkTarget : IAsyncDisposable
{
    /// <summary>Processes whose CPU time and peak RSS are reported, the load generator (this process) included.</summary>
    IReadOnlyList<WatchedProcess> Processes { get; }

    Task<RequestOutcome> SendAsync(long index, CancellationToken cancellationToken);

    /// <summary>A failure seen outside any single request (a broken read loop, a dead process).</summary>
    string? Fault { get; }

    /// <summary>The Redis the case talks to, whose commands per request are counted (null: not counted).</summary>
    string? RedisEndpoint => null;

    /// <summary>Spans the apps exported per request sent, where the target runs a span collector (null: none).</summary>
    double? SpansPerRequest => null;

    /// <summary>Starts recording the requests that <see cref="BreakdownAsync"/> will break down.</summary>
    void BeginBreakdown()
    {
    }

    /// <summary>Where the time of the requests since <see cref="BeginBreakdown"/> went, where the target can tell.</summary>
    Task<HopBreakdown?> BreakdownAsync() => Task.FromResult<HopBreakdown?>(null);
}

/// <summary>A benchmark case: how to start its target, or why it cannot run here.</summary>
internal sealed record BenchmarkCase(string Name, string Description, Func<CancellationToken, Task<CaseStart>> StartAsync);

internal sealed record CaseStart(IBenchmarkTarget? Target, string? SkipReason)
{
    public static CaseStart Running(IBenchmarkTarget target) => new(target, null);

    public static CaseStart Skipped(string reason) => new(null, reason);
}
