namespace Benchmarks.Measurement;

/// <summary>
/// When a fresh system has settled: the first run of <see cref="DefaultWindows"/> consecutive
/// windows (of equal length) whose throughputs lie within <c>tolerance</c> of the largest of them,
/// and whose CPU times per request do too where they are known. Two windows alone are fooled by
/// the plateaus of tiered compilation (for example 10, 90, 110, 142, 140 req/s, then 340 a minute
/// later); CPU per request keeps falling while methods are still being recompiled.
/// </summary>
internal static class SteadyState
{
    public const double DefaultTolerance = 0.10;
    public const int DefaultWindows = 3;

    /// <returns>The index of the first window of that run, or null when there is none yet.</returns>
    public static int? FirstSteadyWindow(
        IReadOnlyList<double> throughputs,
        IReadOnlyList<double?>? cpuPerRequest = null,
        int windows = DefaultWindows,
        double tolerance = DefaultTolerance)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(windows, 2);
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        for (var first = 0; first + windows <= throughputs.Count; first++)
        {
            if (Agree(throughputs.Skip(first).Take(windows), tolerance)
                && (cpuPerRequest is null || Agree(cpuPerRequest.Skip(first).Take(windows).OfType<double>(), tolerance)))
            {
                return first;
            }
        }
        return null;
    }

    /// <summary>True when every value is within <paramref name="tolerance"/> of the largest, and that is above zero.</summary>
    public static bool Agree(IEnumerable<double> values, double tolerance)
    {
        var list = values.ToList();
        if (list.Count == 0)
        {
            return true;
        }
        var largest = list.Max();
        return largest > 0 && largest - list.Min() <= tolerance * largest;
    }
}
