using System.Text.Json;
using StackExchange.Redis;

namespace Faults.Infrastructure;

/// <summary>
/// What the proxy published, read back from the reply streams (XRANGE - +): weather-responses
/// (workflow mode) and every replica's weather-responses.&lt;replica&gt; (direct mode). Every time a
/// terminal processes a request the proxy publishes one reply stamped with a fresh processedAt;
/// a redelivery answered from the proxy's reply store publishes the saved reply again, with the
/// same processedAt. So, per request id:
/// <list type="bullet">
/// <item>processed more than once ("duplicated") = more than one distinct processedAt;</item>
/// <item>republished = reply entries beyond the distinct processedAt values (harmless: the ingress
/// takes the first reply and ignores replies for finished workflows).</item>
/// </list>
/// </summary>
public sealed class ReplyAudit
{
    private readonly Dictionary<string, List<ReplyEntry>> _byRequest;

    private ReplyAudit(Dictionary<string, List<ReplyEntry>> byRequest, int unreadable)
    {
        _byRequest = byRequest;
        Unreadable = unreadable;
    }

    public int Unreadable { get; }

    public int Entries => _byRequest.Values.Sum(e => e.Count);

    public IReadOnlyList<ReplyEntry> For(string requestId) => _byRequest.TryGetValue(requestId, out var entries) ? entries : [];

    public int TimesProcessed(string requestId) => For(requestId).Select(e => e.ProcessedAt).Distinct().Count();

    public int Republished(string requestId) => For(requestId).Count - TimesProcessed(requestId);

    public static async Task<ReplyAudit> ReadAsync(IDatabase redis)
    {
        var byRequest = new Dictionary<string, List<ReplyEntry>>(StringComparer.Ordinal);
        var unreadable = 0;
        var entries = new List<StreamEntry>();
        foreach (var topic in await ReplyTopicsAsync(redis))
        {
            entries.AddRange(await redis.StreamRangeAsync(topic));
        }
        foreach (var entry in entries)
        {
            try
            {
                using var cloudEvent = JsonDocument.Parse((string?)entry["data"] ?? "");
                var data = cloudEvent.RootElement.GetProperty("data");
                var requestId = data.GetProperty("requestId").GetString() ?? "";
                var processedAt = data.GetProperty("processedAt").GetString() ?? "";
                var terminal = data.TryGetProperty("terminal", out var t) ? t.GetString() : null;
                if (!byRequest.TryGetValue(requestId, out var list))
                {
                    byRequest[requestId] = list = [];
                }
                list.Add(new ReplyEntry(entry.Id.ToString(), StreamIdTime(entry.Id.ToString()), processedAt, terminal));
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                unreadable++;
            }
        }
        return new ReplyAudit(byRequest, unreadable);
    }

    /// <summary>weather-responses and the replicas' reply topics that exist (direct mode's are named weather-responses.&lt;replica&gt;).</summary>
    public static async Task<IReadOnlyList<string>> ReplyTopicsAsync(IDatabase redis)
    {
        var replicas = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var server in redis.Multiplexer.GetServers())
        {
            await foreach (var key in server.KeysAsync(redis.Database, DaprNames.Topics.ReplyTopicPrefix + "*"))
            {
                replicas.Add(key.ToString());
            }
        }
        return [DaprNames.Topics.WeatherResponses, .. replicas];
    }

    /// <summary>The wall-clock time Redis stamped into an auto-generated stream id (milliseconds-sequence).</summary>
    public static DateTimeOffset StreamIdTime(string id) =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture));
}

public sealed record ReplyEntry(string StreamId, DateTimeOffset PublishedAt, string ProcessedAt, string? Terminal);
