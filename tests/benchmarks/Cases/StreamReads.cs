using StackExchange.Redis;

namespace Benchmarks.Cases;

/// <summary>
/// Blocking XREADGROUP for StackExchange.Redis 3.x, which has no blocking stream read of its
/// own: the raw command through ExecuteAsync, on a connection that does nothing else (a blocked
/// command holds up everything pipelined behind it). Parses RESP2 arrays and RESP3 maps.
/// </summary>
internal static class StreamReads
{
    /// <summary>
    /// XADD MAXLEN ~ of every stream, as components/pubsub.yaml sets <c>maxLenApprox</c> for the
    /// stack (pubsub.redis trims on each XADD), so the floors pay the same trimming and stay bounded.
    /// </summary>
    public const int MaxLenApprox = 100_000;

    public static async Task<IReadOnlyList<(RedisValue Id, RedisValue Data)>> ReadGroupAsync(
        IDatabase dedicated, string stream, string group, int count, TimeSpan block)
    {
        var result = await dedicated.ExecuteAsync(
            "XREADGROUP", "GROUP", group, group, "COUNT", count, "BLOCK", (long)block.TotalMilliseconds, "STREAMS", stream, ">");
        if (result.IsNull)
        {
            return [];
        }

        // RESP2: [[stream, entries]]; RESP3: {stream: entries}, seen here as [stream, entries, ...].
        var top = (RedisResult[])result!;
        var entriesPerStream = result.Resp3Type == ResultType.Map
            ? top.Where((_, i) => i % 2 == 1)
            : top.Select(pair => ((RedisResult[])pair!)[1]);

        var entries = new List<(RedisValue, RedisValue)>();
        foreach (var streamEntries in entriesPerStream)
        {
            foreach (var entry in (RedisResult[])streamEntries!)
            {
                var parts = (RedisResult[])entry!;
                var fields = (RedisResult[])parts[1]!;
                var data = RedisValue.Null;
                for (var i = 0; i + 1 < fields.Length; i += 2)
                {
                    if ((string?)fields[i] == "data")
                    {
                        data = (RedisValue)fields[i + 1];
                    }
                }
                entries.Add(((RedisValue)parts[0], data));
            }
        }
        return entries;
    }

    public static async Task CreateGroupAsync(IDatabase db, string stream, string group)
    {
        try
        {
            await db.StreamCreateConsumerGroupAsync(stream, group, "0", createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Already there: fine.
        }
    }
}
