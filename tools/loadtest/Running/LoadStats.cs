using System.Collections.Concurrent;
using HdrHistogram;

namespace LoadTest.Running;

/// <summary>
/// Thread-safe tally of a run: outcomes by status, errors by type (with one example message each)
/// and the latency of successful requests in an HdrHistogram (microseconds, 3 significant digits).
/// </summary>
internal sealed class LoadStats
{
    private const long HighestMicroseconds = 3_600_000_000;

    private readonly LongConcurrentHistogram _latency = new(1, HighestMicroseconds, 3);
    private readonly ConcurrentDictionary<string, long> _outcomes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ErrorTally> _errors = new(StringComparer.Ordinal);
    private long _completed;
    private long _errorCount;

    public long Completed => Interlocked.Read(ref _completed);

    public long Errors => Interlocked.Read(ref _errorCount);

    public void Record(RequestOutcome outcome, TimeSpan latency)
    {
        _outcomes.AddOrUpdate(outcome.Status, 1, (_, n) => n + 1);
        if (outcome.ErrorType is { } type)
        {
            _errors.AddOrUpdate(
                type,
                _ => new ErrorTally(1, outcome.ErrorMessage ?? ""),
                (_, tally) => tally with { Count = tally.Count + 1 });
            Interlocked.Increment(ref _errorCount);
        }
        else
        {
            var micros = (long)Math.Ceiling(latency.TotalMicroseconds);
            _latency.RecordValue(Math.Clamp(micros, 1, HighestMicroseconds));
        }
        Interlocked.Increment(ref _completed);
    }

    /// <summary>Throughput counts successful requests over the run's wall-clock time.</summary>
    public LoadSummary Summarize(TimeSpan elapsed)
    {
        var succeeded = _latency.TotalCount;
        // HdrHistogram throws for a percentile of an empty histogram.
        double Ms(Func<long> micros) => succeeded == 0 ? 0 : micros() / 1000.0;
        return new LoadSummary(
            Requests: Completed,
            Errors: Errors,
            ElapsedSeconds: elapsed.TotalSeconds,
            ThroughputRps: elapsed > TimeSpan.Zero ? succeeded / elapsed.TotalSeconds : 0,
            P50Ms: Ms(() => _latency.GetValueAtPercentile(50)),
            P90Ms: Ms(() => _latency.GetValueAtPercentile(90)),
            P99Ms: Ms(() => _latency.GetValueAtPercentile(99)),
            MaxMs: Ms(_latency.GetMaxValue),
            MeanMs: succeeded == 0 ? 0 : _latency.GetMean() / 1000.0,
            Outcomes: _outcomes.OrderByDescending(o => o.Value).ToDictionary(o => o.Key, o => o.Value),
            ErrorsByType: _errors
                .OrderByDescending(e => e.Value.Count)
                .Select(e => new ErrorSummary(e.Key, e.Value.Count, e.Value.Example))
                .ToList(),
            PercentileCurve: succeeded == 0
                ? []
                : _latency.Percentiles(5)
                    .Select(v => new PercentilePoint(v.Percentile, v.ValueIteratedTo / 1000.0))
                    .ToList());
    }

    private sealed record ErrorTally(long Count, string Example);
}

internal sealed record LoadSummary(
    long Requests,
    long Errors,
    double ElapsedSeconds,
    double ThroughputRps,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MaxMs,
    double MeanMs,
    IReadOnlyDictionary<string, long> Outcomes,
    IReadOnlyList<ErrorSummary> ErrorsByType,
    IReadOnlyList<PercentilePoint> PercentileCurve);

internal sealed record ErrorSummary(string Type, long Count, string Example);

internal sealed record PercentilePoint(double Percentile, double LatencyMs);
