using System.Globalization;
using TestSidecar.Resources;

namespace TestSidecar.PubSub;

/// <summary>
/// pubsub.redis metadata decoded as components-contrib does (common/component/redis): defaults
/// processingTimeout 60s, redeliverInterval 15s, queueDepth 100, concurrency 10; a bare number
/// for processingTimeout/redeliverInterval means milliseconds. consumerID defaults to the app-id
/// (daprd sets it before the component sees the metadata).
/// </summary>
internal sealed record RedisPubSubSettings
{
    public required string Host { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
    public bool EnableTls { get; init; }
    public int Database { get; init; }
    public required string ConsumerId { get; init; }
    public TimeSpan ProcessingTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public TimeSpan RedeliverInterval { get; init; } = TimeSpan.FromSeconds(15);
    public int QueueDepth { get; init; } = 100;
    public int Concurrency { get; init; } = 10;
    public long MaxLenApprox { get; init; }
    public TimeSpan StreamTtl { get; init; }
    public TimeSpan ReadTimeout { get; init; }

    /// <summary>Set when a redeliverInterval value was ignored the way components-contrib ignores it.</summary>
    public string? IgnoredRedeliverInterval { get; init; }

    public static RedisPubSubSettings Parse(IReadOnlyDictionary<string, string> metadata, string appId)
    {
        string? Get(string key) => metadata.TryGetValue(key, out var v) && !string.IsNullOrEmpty(v) ? v : null;

        var host = Get("redisHost") ?? throw new InvalidOperationException("redis streams: redisHost is required");
        var consumerId = Get("consumerID")?.Trim();

        var settings = new RedisPubSubSettings
        {
            Host = host,
            Username = Get("redisUsername"),
            Password = Get("redisPassword"),
            EnableTls = Get("enableTLS") is { } tls && bool.Parse(tls),
            Database = Get("redisDB") is { } db ? int.Parse(db, CultureInfo.InvariantCulture) : 0,
            ConsumerId = string.IsNullOrEmpty(consumerId) ? appId : consumerId,
            QueueDepth = Get("queueDepth") is { } q ? int.Parse(q, CultureInfo.InvariantCulture) : 100,
            Concurrency = Get("concurrency") is { } c ? int.Parse(c, CultureInfo.InvariantCulture) : 10,
            MaxLenApprox = Get("maxLenApprox") is { } m ? long.Parse(m, CultureInfo.InvariantCulture) : 0,
            StreamTtl = Get("streamTTL") is { } ttl ? GoDuration.Parse(ttl) : TimeSpan.Zero,
            ReadTimeout = Get("readTimeout") is { } rt ? RedisDuration(rt) : TimeSpan.Zero,
        };

        if (Get("processingTimeout") is { } pt)
        {
            settings = settings with
            {
                ProcessingTimeout = ulong.TryParse(pt, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                    ? TimeSpan.FromMilliseconds(ms)
                    : GoDuration.Parse(pt),
            };
        }

        if (Get("redeliverInterval") is { } ri)
        {
            // components-contrib reads redeliverInterval only as a number of milliseconds: the
            // settings field is excluded from the generic decoder (mapstructure:"-"), so a duration
            // string such as "15s" leaves the 15s default in place.
            settings = ulong.TryParse(ri, NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
                ? settings with { RedeliverInterval = TimeSpan.FromMilliseconds(ms) }
                : settings with { IgnoredRedeliverInterval = ri };
        }

        return settings;
    }

    private static TimeSpan RedisDuration(string value) =>
        int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ms)
            ? (ms < 0 ? TimeSpan.FromTicks(-1) : TimeSpan.FromMilliseconds(ms))
            : GoDuration.Parse(value);

    /// <summary>Redelivery (and the processing deadline) is active only when both settings are non-zero.</summary>
    public bool RedeliveryEnabled => ProcessingTimeout > TimeSpan.Zero && RedeliverInterval > TimeSpan.Zero;
}
