using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Serialization;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>What an app tells about itself: Prometheus counters and the proxy's terminal pool.</summary>
public static class Telemetry
{
    /// <summary>Sum of every series of a counter in an app's /metrics, optionally only those with a label value.</summary>
    public static async Task<double> CounterAsync(HttpClient http, Uri app, string name, string? label = null)
    {
        var text = await http.GetStringAsync(new Uri(app, "/metrics"), TestContext.Current.CancellationToken);
        double sum = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }
            var rest = line[name.Length..];
            if (rest.Length > 0 && rest[0] is not ('{' or ' '))
            {
                continue;
            }
            if (label is not null && !rest.Contains(label, StringComparison.Ordinal))
            {
                continue;
            }
            var value = line[(line.LastIndexOf('}') is var brace and >= 0 ? brace + 1 : name.Length)..].Trim().Split(' ')[0];
            sum += double.Parse(value, CultureInfo.InvariantCulture);
        }
        return sum;
    }

    public static async Task<TerminalPool> TerminalsAsync(HttpClient http, Uri proxy) =>
        await http.GetFromJsonAsync<TerminalPool>(new Uri(proxy, "/terminals"), TestContext.Current.CancellationToken)
        ?? throw new InvalidOperationException("no terminal state");

    public sealed record TerminalPool(int Capacity, int Busy, IReadOnlyList<Terminal> Terminals)
    {
        [JsonIgnore]
        public long Processed => Terminals.Sum(t => t.Processed);
    }

    public sealed record Terminal(string Id, string? CurrentRequestId, long Processed);
}
