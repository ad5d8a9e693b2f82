using System.Text.Json;
using System.Text.RegularExpressions;
using TestSupport;
using YamlDotNet.RepresentationModel;

namespace Observability.Tests.Infrastructure;

/// <summary>
/// The app metric names the Grafana dashboards and Prometheus alert rules query, read from
/// observability/ itself so that a renamed panel query or rule is checked without a second list.
/// </summary>
public static partial class DashboardMetrics
{
    private static readonly string[] AppPrefixes = ["ingress_", "proxy_", "http_server_"];
    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    /// <summary>Name -> where it is used (file and panel or alert).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> AppMetricsUsed()
    {
        var uses = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (where, expression) in Expressions())
        {
            foreach (var name in PromQl.MetricNames(expression).Where(IsAppMetric))
            {
                // A histogram is only usable with all three series (quantiles need _bucket, means _sum and _count).
                foreach (var series in SeriesOf(name))
                {
                    if (!uses.TryGetValue(series, out var list))
                    {
                        uses[series] = list = [];
                    }
                    if (!list.Contains(where))
                    {
                        list.Add(where);
                    }
                }
            }
        }
        return uses.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal);
    }

    /// <summary>
    /// Every dashboard panel query and alert rule expression that reads the sidecars' scrape: a dapr_*
    /// metric (daprd's metrics port) or the dapr-sidecars job; <c>IsRule</c> for an alert or recording rule.
    /// </summary>
    public static IReadOnlyList<(string Where, string Expression, bool IsRule)> SidecarQueries() =>
        [.. Expressions()
            .Where(e => PromQl.MetricNames(e.Expression).Any(n => n.StartsWith("dapr_", StringComparison.Ordinal)) || e.Expression.Contains("job=\"dapr-sidecars\"", StringComparison.Ordinal))
            .Select(e => (e.Where, e.Expression, e.Where.Contains(" rule '", StringComparison.Ordinal)))
            .Distinct()];

    /// <summary>The vector selectors of the sidecars' series in an expression (<c>name{matchers}</c> or <c>up{...job="dapr-sidecars"...}</c>).</summary>
    public static IReadOnlyList<string> SidecarSelectors(string expression) =>
        [.. SidecarSelector().Matches(expression).Select(m => m.Value).Where(s => !s.StartsWith("up", StringComparison.Ordinal) || s.Contains("job=\"dapr-sidecars\"", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal)];

    [GeneratedRegex(@"(?<![A-Za-z0-9_:$])(?:dapr_[A-Za-z0-9_:]*|up)(?:\{[^{}]*\})?")]
    private static partial Regex SidecarSelector();

    public static bool IsAppMetric(string name) => AppPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal));

    private static IEnumerable<string> SeriesOf(string name)
    {
        var suffix = HistogramSuffixes.FirstOrDefault(s => name.EndsWith(s, StringComparison.Ordinal));
        return suffix is null ? [name] : HistogramSuffixes.Select(s => name[..^suffix.Length] + s);
    }

    private static IEnumerable<(string Where, string Expression)> Expressions()
    {
        var observability = RepositoryRoot.Combine("observability");
        foreach (var file in Directory.EnumerateFiles(Path.Combine(observability, "grafana", "dashboards"), "*.json").Order(StringComparer.Ordinal))
        {
            using var json = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var item in JsonExpressions(json.RootElement, Path.GetFileName(file)))
            {
                yield return item;
            }
        }
        foreach (var file in Directory.EnumerateFiles(Path.Combine(observability, "prometheus"), "*.yml").Order(StringComparer.Ordinal))
        {
            var yaml = new YamlStream();
            using (var reader = new StreamReader(file))
            {
                yaml.Load(reader);
            }
            foreach (var document in yaml.Documents)
            {
                foreach (var item in YamlExpressions(document.RootNode, Path.GetFileName(file)))
                {
                    yield return item;
                }
            }
        }
    }

    // Every "expr" anywhere in a dashboard: panel targets, panels nested in rows, templating queries.
    private static IEnumerable<(string, string)> JsonExpressions(JsonElement element, string file, string? panel = null)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            if (element.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String)
            {
                panel = title.GetString();
            }
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name is "expr" or "query" && property.Value.ValueKind == JsonValueKind.String)
                {
                    yield return (panel is null ? file : $"{file} panel '{panel}'", property.Value.GetString() ?? "");
                }
                foreach (var nested in JsonExpressions(property.Value, file, panel))
                {
                    yield return nested;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var nested in element.EnumerateArray().SelectMany(item => JsonExpressions(item, file, panel)))
            {
                yield return nested;
            }
        }
    }

    // Every "expr" in a rules or config file (alert and recording rules).
    private static IEnumerable<(string, string)> YamlExpressions(YamlNode node, string where)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                var name = mapping.Children.FirstOrDefault(c => c.Key is YamlScalarNode { Value: "alert" or "record" }).Value as YamlScalarNode;
                var here = name?.Value is { } rule ? $"{where} rule '{rule}'" : where;
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is YamlScalarNode { Value: "expr" } && value is YamlScalarNode { Value: { } expression })
                    {
                        yield return (here, expression);
                    }
                    foreach (var nested in YamlExpressions(value, here))
                    {
                        yield return nested;
                    }
                }
                break;
            case YamlSequenceNode sequence:
                foreach (var nested in sequence.Children.SelectMany(child => YamlExpressions(child, where)))
                {
                    yield return nested;
                }
                break;
        }
    }
}
