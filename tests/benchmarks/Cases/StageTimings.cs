using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Benchmarks.Cases;

/// <summary>
/// Where a full-stack request spends its time, from clocks that already exist: the client's send
/// and answer times, and the millisecond timestamps in the Redis stream entry ids of its request
/// (XADD by the ingress's sidecar) and its reply (XADD by the proxy's sidecar), matched by city.
/// Same machine, same clock; stream ids have millisecond resolution.
/// </summary>
internal sealed class StageTimings(string redisEndpoint, string requestStream, string replyStream)
{
    private readonly ConcurrentDictionary<string, (long SentMs, long AnsweredMs)> _requests = new(StringComparer.Ordinal);

    public void Reset() => _requests.Clear();

    public void Record(string city, long sentMs, long answeredMs) => _requests[city] = (sentMs, answeredMs);

    public async Task<IReadOnlyDictionary<string, double>?> MediansAsync()
    {
        if (_requests.IsEmpty)
        {
            return null;
        }
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisEndpoint);
        var db = redis.GetDatabase();
        var requested = await EntryTimesAsync(db, requestStream);
        var replied = await EntryTimesAsync(db, replyStream);

        var stages = new List<(long ToRequest, long ToReply, long ToAnswer)>();
        foreach (var (city, (sent, answered)) in _requests)
        {
            if (requested.TryGetValue(city, out var request) && replied.TryGetValue(city, out var reply))
            {
                stages.Add((request - sent, reply - request, answered - reply));
            }
        }
        return stages.Count == 0
            ? null
            : new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["post_to_request_xadd_p50_ms"] = Median(stages.Select(s => s.ToRequest)),
                ["request_to_reply_xadd_p50_ms"] = Median(stages.Select(s => s.ToReply)),
                ["reply_xadd_to_answer_p50_ms"] = Median(stages.Select(s => s.ToAnswer)),
                ["matched_requests"] = stages.Count,
            };
    }

    // City -> the entry's millisecond timestamp (the first, if redelivered or duplicated).
    private static async Task<Dictionary<string, long>> EntryTimesAsync(IDatabase db, string stream)
    {
        var times = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in await db.StreamRangeAsync(stream))
        {
            var data = entry["data"];
            if (data.IsNull)
            {
                continue;
            }
            var (_, city) = Payloads.Read((byte[])data!);
            var id = entry.Id.ToString();
            times.TryAdd(city, long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture));
        }
        return times;
    }

    private static double Median(IEnumerable<long> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2.0;
    }
}
