using Benchmarks.Measurement;
using LoadTest.Running;

namespace Benchmarks.Results;

/// <summary>One measured window of a case, with the Redis floor's window just before it.</summary>
internal sealed record Repetition(
    long Requests,
    long Errors,
    double Seconds,
    double ThroughputRps,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MaxMs,
    double? FloorThroughputRps,
    double? RatioToRedisFloor,
    IReadOnlyDictionary<string, double?> CpuMsPerRequest,
    double? ProductCpuMsPerRequest,
    double? InfrastructureCpuMsPerRequest,
    double? TotalCpuMsPerRequest,
    IReadOnlyDictionary<string, double?>? PeakRssMb,
    IReadOnlyList<ErrorSummary>? ErrorsByType)
{
    public static Repetition From(MeasuredWindow window, MeasuredWindow? floor)
    {
        var summary = window.Summary;
        var floorRps = floor is { Summary.Errors: 0 } ? floor.Summary.ThroughputRps : (double?)null;
        return new Repetition(
            summary.Requests,
            summary.Errors,
            Math.Round(summary.ElapsedSeconds, 3),
            Math.Round(summary.ThroughputRps, 1),
            summary.P50Ms,
            summary.P90Ms,
            summary.P99Ms,
            summary.MaxMs,
            floorRps is { } f ? Math.Round(f, 1) : null,
            floorRps is > 0 ? Math.Round(summary.ThroughputRps / floorRps.Value, 5) : null,
            window.CpuMsPerRequest.ToDictionary(p => p.Key, p => Round(p.Value), StringComparer.Ordinal),
            Round(window.ProductCpuMsPerRequest),
            Round(window.InfrastructureCpuMsPerRequest),
            Round(window.TotalCpuMsPerRequest),
            window.PeakRssMb,
            summary.ErrorsByType.Count > 0 ? summary.ErrorsByType : null);
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 4) : null;
}
