using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using RedisStreamDemo.Contracts;

namespace ProxyService.Requests;

// Recent replies by request id, so a redelivery re-publishes the reply instead of processing again.
// Its own MemoryCache: a SizeLimit on a shared one would demand a size from every other user.
// When full, a new reply is not remembered until the cache has compacted (oldest entries go first).
internal sealed class ReplyCache : IDisposable
{
    private readonly MemoryCache cache;
    private readonly TimeSpan duration;

    public ReplyCache(IOptions<ReplyOptions> options)
    {
        cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.Value.CacheSize });
        duration = options.Value.CacheDuration;
    }

    public int Count => cache.Count;

    public bool TryGet(string requestId, [NotNullWhen(true)] out WeatherReply? reply) =>
        cache.TryGetValue(requestId, out reply) && reply is not null;

    public void Remember(WeatherReply reply) =>
        cache.Set(reply.RequestId, reply, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = duration });

    public void Dispose() => cache.Dispose();
}
