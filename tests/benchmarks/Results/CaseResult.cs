using System.Text.Json.Serialization;
using Benchmarks.Measurement;
using LoadTest.Running;

namespace Benchmarks.Results;

/// <summary>
/// One case at one concurrency: the median and range of its repetitions. A skipped case carries
/// only its name, level and reason.
/// </summary>
internal sealed record CaseResult(
    string Name,
    int Concurrency,
    long? Requests = null,
    long? Errors = null,
    Spread? ThroughputRps = null,
    Spread? P50Ms = null,
    Spread? P99Ms = null,
    Spread? RatioToRedisFloor = null,
    IReadOnlyDictionary<string, Spread?>? CpuMsPerRequest = null,
    Spread? ProductCpuMsPerRequest = null,
    Spread? InfrastructureCpuMsPerRequest = null,
    Spread? TotalCpuMsPerRequest = null,
    IReadOnlyDictionary<string, double?>? PeakRssMb = null,
    IReadOnlyList<Repetition>? Repetitions = null,
    string? Fault = null,
    string? Skipped = null)
{
    /// <summary>Median throughput over the plumbing floor's median at the same concurrency (set by the report).</summary>
    public double? RatioToPlumbingFloor { get; init; }

    [JsonIgnore]
    public bool Failed => Skipped is null && (Errors > 0 || Requests is null or 0 || Fault is not null);

    public static CaseResult From(string name, int concurrency, IReadOnlyList<Repetition> repetitions, string? fault)
    {
        var slots = repetitions.SelectMany(r => r.CpuMsPerRequest.Keys).Distinct().ToList();
        return new CaseResult(
            name,
            concurrency,
            repetitions.Sum(r => r.Requests),
            repetitions.Sum(r => r.Errors),
            Spread.Of(repetitions.Select(r => r.ThroughputRps)),
            Spread.Of(repetitions.Select(r => r.P50Ms)),
            Spread.Of(repetitions.Select(r => r.P99Ms)),
            Spread.Of(repetitions.Where(r => r.RatioToRedisFloor is not null).Select(r => r.RatioToRedisFloor ?? 0)),
            slots.ToDictionary(s => s, s => Spread.Of(Values(repetitions, r => r.CpuMsPerRequest.GetValueOrDefault(s))), StringComparer.Ordinal),
            Spread.Of(Values(repetitions, r => r.ProductCpuMsPerRequest)),
            Spread.Of(Values(repetitions, r => r.InfrastructureCpuMsPerRequest)),
            Spread.Of(Values(repetitions, r => r.TotalCpuMsPerRequest)),
            slots.ToDictionary(
                s => s,
                s => repetitions.Select(r => r.PeakRssMb?.GetValueOrDefault(s)).Where(v => v is not null).Max(),
                StringComparer.Ordinal),
            repetitions,
            fault);
    }

    public static CaseResult Skip(string name, int concurrency, string reason) => new(name, concurrency, Skipped: reason);

    public IEnumerable<ErrorSummary> ErrorsByType() =>
        (Repetitions ?? []).SelectMany(r => r.ErrorsByType ?? [])
            .GroupBy(e => e.Type, StringComparer.Ordinal)
            .Select(g => new ErrorSummary(g.Key, g.Sum(e => e.Count), g.First().Example));

    private static IEnumerable<double> Values(IEnumerable<Repetition> repetitions, Func<Repetition, double?> value) =>
        repetitions.Select(value).OfType<double>();
}
