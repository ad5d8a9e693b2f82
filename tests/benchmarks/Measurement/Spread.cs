namespace Benchmarks.Measurement;

/// <summary>The median of some repetitions with their smallest and largest value.</summary>
internal sealed record Spread(double Median, double Min, double Max, int Count)
{
    public static Spread? Of(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0)
        {
            return null;
        }
        var middle = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new Spread(median, sorted[0], sorted[^1], sorted.Length);
    }
}
