using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using RedisStreamDemo.Contracts;
using StackExchange.Redis;

namespace Benchmarks.Cases;

/// <summary>
/// Where one request's milliseconds go, from clocks that already exist (no product change): the
/// client's send and answer times; the request's <c>requestedAt</c> (set by the ingress when it
/// builds the request) and the millisecond timestamp of its stream entry id (XADD by the ingress
/// side); the reply's <c>processedAt</c> (set by the proxy when it builds the reply) and its entry
/// id (XADD by the proxy side). Matched by city; one machine, one clock.
/// </summary>
internal sealed class StageTimings(string redisEndpoint)
{
    // An entry id keeps whole milliseconds: on average the XADD happened half a millisecond later.
    private const double EntryIdTruncation = 0.5;

    private readonly ConcurrentDictionary<string, (double SentMs, double AnsweredMs)> _requests = new(StringComparer.Ordinal);
    private long _sinceMs;

    public static double NowMs => (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).TotalMilliseconds;

    public bool Recording { get; private set; }

    public void Begin()
    {
        _requests.Clear();
        _sinceMs = (long)NowMs - 1000;
        Recording = true;
    }

    public void Record(string city, double sentMs, double answeredMs)
    {
        if (Recording)
        {
            _requests[city] = (sentMs, answeredMs);
        }
    }

    public async Task<HopBreakdown?> BreakdownAsync()
    {
        Recording = false;
        if (_requests.IsEmpty)
        {
            return null;
        }
        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisEndpoint);
        var db = redis.GetDatabase();
        var requests = await EntriesAsync(db, [DaprNames.Topics.WeatherRequests], "requestedAt");
        // Direct mode replies on a per-replica topic ("weather-responses.<replica>").
        var replyStreams = new List<string>();
        await foreach (var key in redis.GetServer(redis.GetEndPoints()[0]).KeysAsync(pattern: DaprNames.Topics.WeatherResponses + "*"))
        {
            if (DaprNames.Topics.IsReplyTopic(key.ToString()))
            {
                replyStreams.Add(key.ToString());
            }
        }
        var replies = await EntriesAsync(db, replyStreams, "processedAt");

        var matched = new List<double[]>();
        foreach (var (city, (sent, answered)) in _requests)
        {
            if (requests.TryGetValue(city, out var request) && replies.TryGetValue(city, out var reply))
            {
                matched.Add([sent, request.AppMs, request.EntryMs, reply.AppMs, reply.EntryMs, answered]);
            }
        }
        return matched.Count == 0 ? null : HopBreakdown.From(matched);
    }

    // City -> the app's timestamp in the message and the entry's (the first entry, if redelivered or duplicated).
    private async Task<Dictionary<string, (double AppMs, double EntryMs)>> EntriesAsync(IDatabase db, IEnumerable<string> streams, string timeField)
    {
        var times = new Dictionary<string, (double, double)>(StringComparer.Ordinal);
        foreach (var stream in streams)
        {
            foreach (var entry in await db.StreamRangeAsync(stream, minId: $"{_sinceMs.ToString(CultureInfo.InvariantCulture)}-0"))
            {
                var envelope = entry["data"];
                if (envelope.IsNull)
                {
                    continue;
                }
                using var document = JsonDocument.Parse((byte[])envelope!);
                if (!document.RootElement.TryGetProperty("data", out var data)
                    || !data.TryGetProperty("city", out var city) || city.GetString() is not { } name
                    || !data.TryGetProperty(timeField, out var time) || !time.TryGetDateTimeOffset(out var appTime))
                {
                    continue;
                }
                var id = entry.Id.ToString();
                var entryMs = long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), CultureInfo.InvariantCulture) + EntryIdTruncation;
                times.TryAdd(name, ((appTime - DateTimeOffset.UnixEpoch).TotalMilliseconds, entryMs));
            }
        }
        return times;
    }
}

/// <summary>The mean and median of each hop of the requests measured; the means add up to the mean total.</summary>
internal sealed record HopBreakdown(int Requests, IReadOnlyList<Hop> Hops, double TotalMeanMs, double TotalP50Ms)
{
    /// <summary>What happens between consecutive points in time (see <see cref="StageTimings"/>).</summary>
    public static IReadOnlyList<string> HopNames { get; } =
    [
        "client POST -> ingress built the request",
        "-> request XADDed by the ingress side",
        "-> proxy built the reply",
        "-> reply XADDed by the proxy side",
        "-> client has the answer",
    ];

    /// <param name="points">Per request, the six times in order: sent, requestedAt, request XADD, processedAt, reply XADD, answered.</param>
    public static HopBreakdown From(IReadOnlyList<double[]> points)
    {
        var hops = HopNames.Select((name, i) =>
        {
            var durations = points.Select(p => p[i + 1] - p[i]).ToList();
            return new Hop(name, Math.Round(durations.Average(), 3), Math.Round(Measurement.Spread.Of(durations)!.Median, 3));
        }).ToList();
        var totals = points.Select(p => p[^1] - p[0]).ToList();
        return new HopBreakdown(points.Count, hops, Math.Round(totals.Average(), 3), Math.Round(Measurement.Spread.Of(totals)!.Median, 3));
    }
}

internal sealed record Hop(string Name, double MeanMs, double P50Ms);
