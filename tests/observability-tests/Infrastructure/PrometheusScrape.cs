namespace Observability.Tests.Infrastructure;

/// <summary>The series names in one Prometheus text exposition (an app's /metrics).</summary>
public static class PrometheusScrape
{
    public static async Task<IReadOnlySet<string>> SeriesNamesAsync(HttpClient http, Uri app)
    {
        var text = await http.GetStringAsync(new Uri(app, "/metrics"), TestContext.Current.CancellationToken);
        return SeriesNames(text);
    }

    public static IReadOnlySet<string> SeriesNames(string exposition) =>
        exposition.Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => line[..line.IndexOfAny(['{', ' '])])
            .ToHashSet(StringComparer.Ordinal);
}
