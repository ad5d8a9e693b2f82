using LoadTest.Running;

namespace Benchmarks.Cases;

/// <summary>A running system to measure: sends one request and names the processes to watch.</summary>
internal interface IBenchmarkTarget : IAsyncDisposable
{
    /// <summary>Processes whose peak RSS is reported, by role ("ingress", "proxy-dapr", ...).</summary>
    IReadOnlyDictionary<string, int> Processes { get; }

    Task<RequestOutcome> SendAsync(long index, CancellationToken cancellationToken);

    /// <summary>A failure seen outside any single request (a broken read loop, a dead process).</summary>
    string? Fault { get; }

    /// <summary>Starts a measurement: forgets what <see cref="StagesAsync"/> would report so far.</summary>
    void BeginMeasurement()
    {
    }

    /// <summary>Median time per stage of the requests since <see cref="BeginMeasurement"/>, where the target can tell.</summary>
    Task<IReadOnlyDictionary<string, double>?> StagesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<string, double>?>(null);
}

/// <summary>A benchmark case: how to start its target, or why it cannot run here.</summary>
internal sealed record BenchmarkCase(string Name, string Description, Func<CancellationToken, Task<CaseStart>> StartAsync);

internal sealed record CaseStart(IBenchmarkTarget? Target, string? SkipReason)
{
    public static CaseStart Running(IBenchmarkTarget target) => new(target, null);

    public static CaseStart Skipped(string reason) => new(null, reason);
}
