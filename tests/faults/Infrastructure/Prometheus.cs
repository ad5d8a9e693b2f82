using System.Globalization;

namespace Faults.Infrastructure;

/// <summary>Counters from an app's /metrics (Prometheus text format).</summary>
public static class Prometheus
{
    /// <summary>Sum of every series of <paramref name="name"/>, optionally only those whose labels contain <paramref name="label"/>; null when the app does not answer.</summary>
    public static async Task<double?> SumAsync(HttpClient http, Uri app, string name, string? label = null, CancellationToken cancellationToken = default)
    {
        string text;
        try
        {
            text = await http.GetStringAsync(new Uri(app, "/metrics"), cancellationToken);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        double sum = 0;
        foreach (var line in text.Split('\n'))
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
            var brace = rest.LastIndexOf('}');
            var value = rest[(brace + 1)..].Trim().Split(' ')[0];
            sum += double.Parse(value, CultureInfo.InvariantCulture);
        }
        return sum;
    }
}
