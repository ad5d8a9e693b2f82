using System.Globalization;
using LoadTest.Running;
using ScottPlot;

namespace LoadTest.Reporting;

/// <summary>
/// The HdrHistogram percentile chart: latency against percentile on a "number of nines" axis,
/// where the tail is as wide as the body. One line per series.
/// </summary>
internal static class LatencyPlot
{
    private static readonly double[] TickPercentiles = [0, 50, 90, 99, 99.9, 99.99, 99.999];

    public static void Save(string path, string title, IReadOnlyList<(string Label, IReadOnlyList<PercentilePoint> Curve)> series)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.YLabel("Latency (ms)");
        plot.XLabel("Percentile");
        var highest = 0.0;
        var slowest = 0.0;
        foreach (var (label, curve) in series.Where(s => s.Curve.Count > 0))
        {
            var points = curve.Where(p => p.Percentile < 100).ToList();
            var line = plot.Add.ScatterLine(points.Select(p => Nines(p.Percentile)).ToArray(), points.Select(p => p.LatencyMs).ToArray());
            if (series.Count > 1)
            {
                line.LegendText = label;
            }
            line.LineWidth = 2;
            highest = Math.Max(highest, points.Count == 0 ? 0 : Nines(points[^1].Percentile));
            slowest = Math.Max(slowest, points.Count == 0 ? 0 : points.Max(p => p.LatencyMs));
        }
        var ticks = TickPercentiles.Where(p => Nines(p) <= Math.Max(highest, Nines(99)) + 0.01).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            ticks.Select(Nines).ToArray(),
            ticks.Select(p => p.ToString("0.###", CultureInfo.InvariantCulture) + "%").ToArray());
        plot.Axes.SetLimitsX(0, Math.Max(highest, Nines(99)));
        plot.Axes.SetLimitsY(0, Math.Max(slowest * 1.05, 1));
        if (series.Count > 1)
        {
            plot.ShowLegend(Alignment.UpperLeft);
        }

        if (System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
        if (path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
        {
            plot.SaveSvg(path, 900, 500);
        }
        else
        {
            plot.SavePng(path, 900, 500);
        }
    }

    // 90% -> 1, 99% -> 2, 99.9% -> 3.
    private static double Nines(double percentile) => -Math.Log10(1 - Math.Min(percentile, 99.9999) / 100);
}
