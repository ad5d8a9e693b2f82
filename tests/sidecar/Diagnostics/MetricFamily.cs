using System.Globalization;
using System.Text;

namespace TestSidecar.Diagnostics;

internal enum MetricKind { Counter, Gauge, Histogram }

/// <summary>
/// One OpenCensus view as daprd's exporter writes it (contrib.go.opencensus.io/exporter/prometheus
/// over client_golang's text format 0.0.4): <c>view.Count()</c> is a counter, <c>view.LastValue()</c>
/// a gauge, <c>view.Distribution(...)</c> a histogram whose bucket <c>le=b</c> counts the values
/// strictly below b (OpenCensus puts a value equal to a bound in the next bucket). A view without a
/// recorded row writes nothing, so a series appears on the first record. Every label of the view is
/// written, an unset tag as <c>""</c> (pkg/diagnostics/utils WithTags skips empty values), label
/// pairs sorted by name, series sorted by their label values.
/// </summary>
internal sealed class MetricFamily
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Series> _series = new(StringComparer.Ordinal);
    private readonly string[] _labelNames;
    private readonly int[] _labelOrder;
    private readonly double[] _buckets;

    public MetricFamily(string name, string help, MetricKind kind, string[] labelNames, IReadOnlyList<double>? buckets = null)
    {
        Name = name;
        Help = help;
        Kind = kind;
        _labelNames = labelNames;
        _labelOrder = [.. Enumerable.Range(0, labelNames.Length).OrderBy(i => labelNames[i], StringComparer.Ordinal)];
        _buckets = kind == MetricKind.Histogram ? [.. buckets ?? throw new ArgumentNullException(nameof(buckets))] : [];
    }

    public string Name { get; }

    public string Help { get; }

    public MetricKind Kind { get; }

    /// <summary>A counter adds <paramref name="value"/>, a gauge takes it, a histogram observes it. Values in the view's label order.</summary>
    public void Record(double value, params string[] labelValues)
    {
        if (labelValues.Length != _labelNames.Length)
        {
            throw new ArgumentException($"{Name} has {_labelNames.Length} labels, {labelValues.Length} given", nameof(labelValues));
        }
        var sorted = _labelOrder.Select(i => labelValues[i]).ToArray();
        var key = string.Join('\u0000', sorted);
        lock (_lock)
        {
            if (!_series.TryGetValue(key, out var series))
            {
                series = new Series(sorted, new long[_buckets.Length]);
                _series[key] = series;
            }
            switch (Kind)
            {
                case MetricKind.Counter:
                    series.Value += value;
                    break;
                case MetricKind.Gauge:
                    series.Value = value;
                    break;
                default:
                    var bucket = Array.FindIndex(_buckets, bound => value < bound);
                    if (bucket >= 0)
                    {
                        series.Buckets[bucket]++;
                    }
                    series.Count++;
                    series.Value += value;
                    break;
            }
        }
    }

    public void WriteTo(StringBuilder text)
    {
        List<Series> rows;
        lock (_lock)
        {
            rows = [.. _series.Values.Select(s => s with { Buckets = [.. s.Buckets] })];
        }
        if (rows.Count == 0)
        {
            return;
        }
        rows.Sort((a, b) => CompareValues(a.LabelValues, b.LabelValues));
        text.Append("# HELP ").Append(Name).Append(' ').Append(Help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        text.Append("# TYPE ").Append(Name).Append(' ').Append(Kind switch { MetricKind.Counter => "counter", MetricKind.Gauge => "gauge", _ => "histogram" }).Append('\n');
        foreach (var row in rows)
        {
            var labels = Labels(row.LabelValues);
            if (Kind != MetricKind.Histogram)
            {
                text.Append(Name).Append('{').Append(labels).Append("} ").Append(GoFloat(row.Value)).Append('\n');
                continue;
            }
            long cumulative = 0;
            for (var i = 0; i < _buckets.Length; i++)
            {
                cumulative += row.Buckets[i];
                text.Append(Name).Append("_bucket{").Append(labels).Append(",le=\"").Append(GoFloat(_buckets[i])).Append("\"} ").Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
            text.Append(Name).Append("_bucket{").Append(labels).Append(",le=\"+Inf\"} ").Append(row.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            text.Append(Name).Append("_sum{").Append(labels).Append("} ").Append(GoFloat(row.Value)).Append('\n');
            text.Append(Name).Append("_count{").Append(labels).Append("} ").Append(row.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    private string Labels(string[] sortedValues)
    {
        var text = new StringBuilder();
        for (var i = 0; i < sortedValues.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }
            text.Append(_labelNames[_labelOrder[i]]).Append("=\"")
                .Append(sortedValues[i].Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal))
                .Append('"');
        }
        return text.ToString();
    }

    private static int CompareValues(string[] a, string[] b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            var compared = string.CompareOrdinal(a[i], b[i]);
            if (compared != 0)
            {
                return compared;
            }
        }
        return 0;
    }

    // client_golang writeFloat: strconv.FormatFloat(f, 'g', -1, 64), with "+Inf", "-Inf" and "NaN".
    private static string GoFloat(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);

    private sealed record Series(string[] LabelValues, long[] Buckets)
    {
        public double Value { get; set; }

        public long Count { get; set; }
    }
}
