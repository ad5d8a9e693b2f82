using System.Globalization;
using Benchmarks.Cases;
using StackExchange.Redis;

namespace Benchmarks.Measurement;

/// <summary>
/// Redis commands per request: INFO commandstats reset, one window at c = 16, read again. Commands a
/// Lua script runs count as well (a state.redis upsert is one EVAL and its HSET, HINCRBY, ...).
/// </summary>
internal static class RedisCalls
{
    public static async Task<Dictionary<string, double>> PerRequestAsync(IBenchmarkTarget target, string endpoint, TimeSpan duration, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(endpoint + ",allowAdmin=true");
        var server = connection.GetServers()[0];
        await server.ConfigResetStatisticsAsync();
        var window = await MeasuredWindow.RunAsync(target, 16, duration, sampleMemory: false, cancellationToken);
        var stats = (await server.InfoAsync("commandstats")).SelectMany(group => group).ToList();
        var requests = Math.Max(1, window.Summary.Requests);
        var perRequest = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in stats.Select(p => (p.Key, p.Value)))
        {
            // cmdstat_eval: calls=1234,usec=...,...
            if (!key.StartsWith("cmdstat_", StringComparison.Ordinal) || ParseCalls(value) is not { } calls)
            {
                continue;
            }
            var command = key["cmdstat_".Length..];
            if (command is "config|resetstat" or "info" or "ping" or "client|setname" or "cluster|nodes" or "echo" or "subscribe")
            {
                continue;
            }
            var rate = Math.Round(calls / (double)requests, 2);
            if (rate >= 0.01)
            {
                perRequest[command] = rate;
            }
        }
        return perRequest;
    }

    internal static long? ParseCalls(string value)
    {
        foreach (var part in value.Split(','))
        {
            if (part.StartsWith("calls=", StringComparison.Ordinal)
                && long.TryParse(part.AsSpan("calls=".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var calls))
            {
                return calls;
            }
        }
        return null;
    }
}
