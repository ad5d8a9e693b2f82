using System.Globalization;

namespace TestSupport;

/// <summary>The Prometheus text exposition an app serves at /metrics, read as the suites need it.</summary>
public static class PrometheusText
{
    public static Task<string> ScrapeAsync(HttpClient http, Uri app, CancellationToken cancellationToken) =>
        http.GetStringAsync(new Uri(app, PublicRoutes.Metrics), TestCancellation.Or(cancellationToken));

    /// <summary>The sum of <paramref name="name"/> in an app's /metrics (see <see cref="Sum"/>).</summary>
    public static async Task<double> SumAsync(HttpClient http, Uri app, string name, string? label = null, CancellationToken cancellationToken = default) =>
        Sum(await ScrapeAsync(http, app, cancellationToken), name, label);

    /// <summary>As <see cref="SumAsync"/>, but null when the app does not answer (it is down or restarting).</summary>
    public static async Task<double?> SumIfAnsweredAsync(HttpClient http, Uri app, string name, string? label = null, CancellationToken cancellationToken = default)
    {
        try
        {
            return await SumAsync(http, app, name, label, cancellationToken);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Sum of every series of <paramref name="name"/>, optionally only those whose labels contain <paramref name="label"/>.</summary>
    public static double Sum(string exposition, string name, string? label = null)
    {
        double sum = 0;
        foreach (var line in exposition.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }
            var rest = line[name.Length..];
            if (rest.Length == 0 || rest[0] is not ('{' or ' '))
            {
                continue;
            }
            if (label is not null && !rest.Contains(label, StringComparison.Ordinal))
            {
                continue;
            }
            var value = rest[(rest.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
            sum += double.Parse(value, CultureInfo.InvariantCulture);
        }
        return sum;
    }

    /// <summary>
    /// Of the given labelled series (a name and a text its labels contain), those the exposition does not
    /// hold at 0, each as "name{label} = value" or "name{label} missing": empty when all are at 0.
    /// </summary>
    public static IReadOnlyList<string> NotAtZero(string exposition, IEnumerable<(string Name, string Label)> series)
    {
        var lines = exposition.Split('\n');
        var notAtZero = new List<string>();
        foreach (var (name, label) in series)
        {
            var line = lines.FirstOrDefault(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal));
            if (line is null)
            {
                notAtZero.Add($"{name}{{{label}}} missing");
            }
            else if (line.Split(' ')[^1] != "0")
            {
                notAtZero.Add($"{name}{{{label}}} = {line.Split(' ')[^1]}");
            }
        }
        return notAtZero;
    }

    /// <summary>The series names in an exposition (histograms as their _bucket, _sum and _count series).</summary>
    public static IReadOnlySet<string> SeriesNames(string exposition) =>
        exposition.Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => line[..line.IndexOfAny(['{', ' '])])
            .ToHashSet(StringComparer.Ordinal);
}
