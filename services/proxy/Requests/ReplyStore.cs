using System.Globalization;
using Dapr.Client;
using Microsoft.Extensions.Options;
using RedisStreamDemo.Contracts;

namespace RedisStreamDemo.Proxy.Requests;

/// <summary>
/// Replies by request id in the Dapr state store, so a redelivery re-publishes the reply instead of
/// processing again, even when it reaches a new process after a crash or another replica after a
/// reclaim. Entries expire after the retention (state.redis ttlInSeconds): long enough to outlive
/// every redelivery, short enough that the store stays small.
/// </summary>
internal sealed class ReplyStore(DaprClient dapr, IOptions<ReplyOptions> options, TimeProvider time)
{
    private readonly Dictionary<string, string> saveMetadata = new(StringComparer.Ordinal)
    {
        ["ttlInSeconds"] = ((long)options.Value.Retention.TotalSeconds).ToString(CultureInfo.InvariantCulture),
    };

    // Null when no reply was saved or it has expired. A store that does not answer within the
    // StoreTimeout throws (DaprException or OperationCanceledException), as does SaveAsync.
    public async Task<WeatherReply?> FindAsync(string requestId)
    {
        using var timeout = new CancellationTokenSource(options.Value.StoreTimeout, time);
        return await dapr.GetStateAsync<WeatherReply?>(DaprNames.ReplyStore, requestId, cancellationToken: timeout.Token);
    }

    public async Task SaveAsync(WeatherReply reply)
    {
        using var timeout = new CancellationTokenSource(options.Value.StoreTimeout, time);
        await dapr.SaveStateAsync(DaprNames.ReplyStore, reply.RequestId, reply, metadata: saveMetadata, cancellationToken: timeout.Token);
    }
}
