namespace Benchmarks.Measurement;

/// <summary>
/// When a fresh system's throughput has settled: the first two consecutive windows (of equal
/// length) whose throughputs differ by at most <c>tolerance</c> of the larger one.
/// </summary>
internal static class SteadyState
{
    public const double DefaultTolerance = 0.10;

    /// <returns>The index of the first window of that pair, or null when no two consecutive windows agree.</returns>
    public static int? FirstSteadyWindow(IReadOnlyList<double> throughputs, double tolerance = DefaultTolerance)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(tolerance);
        for (var i = 1; i < throughputs.Count; i++)
        {
            if (Agree(throughputs[i - 1], throughputs[i], tolerance))
            {
                return i - 1;
            }
        }
        return null;
    }

    public static bool Agree(double a, double b, double tolerance)
    {
        var larger = Math.Max(a, b);
        return larger > 0 && Math.Abs(a - b) <= tolerance * larger;
    }
}
