using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using StackExchange.Redis;

namespace TestSidecar.PubSub;

internal sealed record StreamMessage(string Topic, string Id, byte[] Data, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Handles one message. Throwing means failure. <paramref name="stopping"/> fires when the
/// subscription is closed (shutdown): a failure then leaves the entry pending instead of going to the
/// dead-letter topic. <paramref name="abort"/> cancels the call to the app (daprd never does: only its
/// process exit ends a delivery).
/// </summary>
internal delegate Task MessageHandler(StreamMessage message, CancellationToken stopping, CancellationToken abort);

/// <summary>
/// The pubsub.redis component (Redis Streams) as components-contrib implements it: XADD with
/// optional MAXLEN ~ / MINID ~ trimming; per subscribed topic a consumer group named consumerID
/// (also the consumer name) created with XGROUP CREATE ... 0 MKSTREAM; a poll loop reading
/// XREADGROUP ... COUNT queueDepth BLOCK ... &gt;; one bounded queue of queueDepth per component
/// drained by <c>concurrency</c> workers; XACK after the handler whatever it returned, except when
/// its processing deadline passed or the sidecar is stopping; a reclaim loop every
/// redeliverInterval that XCLAIMs entries idle for processingTimeout.
/// </summary>
internal sealed class RedisStreamsPubSub(string name, RedisPubSubSettings settings, ILogger logger) : IAsyncDisposable
{
    private static readonly TimeSpan DefaultBlock = TimeSpan.FromSeconds(2);

    private readonly Channel<(StreamMessage Message, MessageHandler Handler, CancellationToken Subscription)> _queue =
        Channel.CreateBounded<(StreamMessage, MessageHandler, CancellationToken)>(new BoundedChannelOptions(Math.Max(1, settings.QueueDepth)) { SingleWriter = false });
    // dapr/dapr pkg/runtime/subscription/subscription.go: the subscription's closed flag (handlers
    // stop delivering), its context (the poll and reclaim loops), and the component's closeCh.
    private readonly CancellationTokenSource _subscriptionsClosed = new();
    private readonly CancellationTokenSource _subscriptionContext = new();
    private readonly CancellationTokenSource _componentClosed = new();
    private readonly Lock _stopGate = new();
    private Task? _stopped;
    private int _inFlight;
    private readonly List<Task> _loops = [];
    private readonly List<Task> _workers = [];
    private readonly List<ConnectionMultiplexer> _readers = [];
    private ConnectionMultiplexer? _connection;

    public string Name => name;

    public RedisPubSubSettings Settings => settings;

    private IDatabase Db => (_connection ?? throw new InvalidOperationException("component not initialised")).GetDatabase(settings.Database);

    public async Task InitAsync()
    {
        _connection = await ConnectAsync();
        await Db.PingAsync();
        if (settings.MaxLenApprox > 0 && settings.StreamTtl > TimeSpan.Zero)
        {
            Log.TrimmingConflict(logger, name);
        }
        if (settings.IgnoredRedeliverInterval is { } ignored)
        {
            Log.RedeliverIntervalIgnored(logger, name, ignored, settings.RedeliverInterval);
        }
        for (var i = 0; i < Math.Max(1, settings.Concurrency); i++)
        {
            _workers.Add(Task.Run(WorkerAsync));
        }
    }

    private async Task<ConnectionMultiplexer> ConnectAsync()
    {
        var options = ConfigurationOptions.Parse(settings.Host);
        options.Password = string.IsNullOrEmpty(settings.Password) ? null : settings.Password;
        options.User = settings.Username;
        options.Ssl = settings.EnableTls;
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 5000;
        // go-redis (components-contrib common/component/redis) fails a command at once while it has
        // no connection; StackExchange.Redis would hold it in a backlog for up to 5 s and then send
        // it, and a blocking XREADGROUP sent that late can time out here after Redis already moved
        // its entries to the pending list, leaving them for the reclaim after processingTimeout.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        if (!connection.IsConnected)
        {
            await connection.DisposeAsync();
            throw new InvalidOperationException($"redis streams: error connecting to redis at {settings.Host}");
        }
        return connection;
    }

    public async Task<string> PublishAsync(string topic, byte[] data, IReadOnlyDictionary<string, string>? metadata)
    {
        if (_componentClosed.IsCancellationRequested)
        {
            throw new InvalidOperationException("component is closed");
        }
        var args = new List<object> { topic };
        if (settings.MaxLenApprox > 0)
        {
            args.AddRange(["MAXLEN", "~", settings.MaxLenApprox]);
        }
        else if (settings.StreamTtl > TimeSpan.Zero)
        {
            var minId = (DateTimeOffset.UtcNow - settings.StreamTtl).ToUnixTimeMilliseconds();
            args.AddRange(["MINID", "~", minId.ToString(CultureInfo.InvariantCulture) + "-1"]);
        }
        args.AddRange(["*", "data", data]);
        if (metadata is not null)
        {
            args.AddRange(["metadata", JsonSerializer.Serialize(metadata)]);
        }
        var id = await Db.ExecuteAsync("XADD", args.ToArray());
        return id.ToString();
    }

    /// <summary>
    /// Creates the group and starts the topic's poll and reclaim loops. Cancelling <paramref name="subscription"/>
    /// ends this subscription only (components-contrib pubsub/redis Subscribe: both loops run on a
    /// context derived from the subscription's): the poll loop stops after its current XREADGROUP (entries
    /// it read and did not queue stay pending), the reclaim loop stops, and queued entries of this
    /// subscription still reach the handler with the subscription's token cancelled.
    /// </summary>
    public async Task SubscribeAsync(string topic, MessageHandler handler, CancellationToken subscription = default)
    {
        await CreateGroupAsync(Db, topic);
        var reader = await ConnectAsync();
        lock (_readers)
        {
            _readers.Add(reader);
        }
        var loop = CancellationTokenSource.CreateLinkedTokenSource(_subscriptionContext.Token, subscription);
        var poll = Task.Run(() => PollLoopAsync(reader.GetDatabase(settings.Database), topic, handler, subscription, loop.Token), CancellationToken.None);
        var reclaim = Task.Run(() => ReclaimLoopAsync(topic, handler, subscription, loop.Token), CancellationToken.None);
        lock (_loops)
        {
            _loops.Add(poll);
            _loops.Add(reclaim);
        }
        if (subscription.CanBeCanceled)
        {
            // A stopped subscription's reader connection is closed once its loops are done; the rest close with the component.
            _ = Task.WhenAll(poll, reclaim).ContinueWith(async _ =>
            {
                loop.Dispose();
                if (!_componentClosed.IsCancellationRequested)
                {
                    lock (_readers)
                    {
                        _readers.Remove(reader);
                    }
                    await reader.DisposeAsync();
                }
            }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
    }

    private async Task CreateGroupAsync(IDatabase db, string topic)
    {
        try
        {
            await db.ExecuteAsync("XGROUP", "CREATE", topic, settings.ConsumerId, "0", "MKSTREAM");
            Log.GroupCreated(logger, settings.ConsumerId, topic);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }
    }

    private async Task PollLoopAsync(IDatabase db, string topic, MessageHandler handler, CancellationToken subscription, CancellationToken token)
    {
        var block = settings.ReadTimeout > TimeSpan.Zero ? settings.ReadTimeout : DefaultBlock;
        while (!token.IsCancellationRequested)
        {
            RedisResult result;
            try
            {
                result = await db.ExecuteAsync("XREADGROUP", "GROUP", settings.ConsumerId, settings.ConsumerId,
                    "COUNT", Math.Max(1, settings.QueueDepth), "BLOCK", (long)block.TotalMilliseconds, "STREAMS", topic, ">");
            }
            catch (RedisServerException ex) when (ex.Message.Contains("NOGROUP", StringComparison.Ordinal))
            {
                Log.GroupMissing(logger, settings.ConsumerId, topic);
                await CreateGroupAsync(db, topic);
                continue;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                if (token.IsCancellationRequested)
                {
                    return;
                }
                Log.ReadFailed(logger, topic, ex.Message);
                await DelayAsync(TimeSpan.FromSeconds(1), token);
                continue;
            }

            var messages = ParseStreams(result).ToList();
            if (token.IsCancellationRequested && !_subscriptionContext.IsCancellationRequested)
            {
                await StrandedReadAsync(db, topic, messages);
                return;
            }
            foreach (var message in messages)
            {
                try
                {
                    await _queue.Writer.WriteAsync((message, handler, subscription), token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// A read that was blocked when its subscription was closed. Without readTimeout daprd blocks with
    /// BLOCK 0, and go-redis does not interrupt a read when its context is cancelled, only at a deadline:
    /// the read stays blocked until entries arrive, Redis moves them to the pending list, and the ended
    /// loop never queues them, so they wait for the reclaim (processingTimeout). The sidecar's read
    /// blocks 2 s at a time, so it is repeated until entries come or the component closes.
    /// </summary>
    private async Task StrandedReadAsync(IDatabase db, string topic, List<StreamMessage> messages)
    {
        while (messages.Count == 0 && settings.ReadTimeout <= TimeSpan.Zero && !_componentClosed.IsCancellationRequested)
        {
            try
            {
                messages = ParseStreams(await db.ExecuteAsync("XREADGROUP", "GROUP", settings.ConsumerId, settings.ConsumerId,
                    "COUNT", Math.Max(1, settings.QueueDepth), "BLOCK", (long)DefaultBlock.TotalMilliseconds, "STREAMS", topic, ">")).ToList();
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                return;
            }
        }
        foreach (var message in messages)
        {
            Log.LeftPending(logger, message.Id, message.Topic, "read by a closed subscription's last XREADGROUP");
        }
    }

    private async Task ReclaimLoopAsync(string topic, MessageHandler handler, CancellationToken subscription, CancellationToken token)
    {
        if (!settings.RedeliveryEnabled)
        {
            return;
        }
        try
        {
            await ReclaimAsync(topic, handler, subscription, token);
            using var timer = new PeriodicTimer(settings.RedeliverInterval);
            while (await timer.WaitForNextTickAsync(token))
            {
                await ReclaimAsync(topic, handler, subscription, token);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ReclaimAsync(string topic, MessageHandler handler, CancellationToken subscription, CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            StreamPendingMessageInfo[] pending;
            StreamEntry[] claimed;
            string[] ids;
            try
            {
                pending = await Db.StreamPendingMessagesAsync(topic, settings.ConsumerId, Math.Max(1, settings.QueueDepth), RedisValue.Null);
                ids = pending.Where(p => p.IdleTimeInMilliseconds >= (long)settings.ProcessingTimeout.TotalMilliseconds)
                    .Select(p => p.MessageId.ToString()).ToArray();
                if (ids.Length == 0)
                {
                    return;
                }
                claimed = await Db.StreamClaimAsync(topic, settings.ConsumerId, settings.ConsumerId,
                    (long)settings.ProcessingTimeout.TotalMilliseconds, ids.Select(i => (RedisValue)i).ToArray());
            }
            catch (RedisException ex)
            {
                Log.ReclaimFailed(logger, topic, ex.Message);
                return;
            }

            foreach (var entry in claimed.Where(e => !e.IsNull))
            {
                Log.Reclaimed(logger, entry.Id.ToString(), topic, settings.ConsumerId);
                await _queue.Writer.WriteAsync((ToMessage(topic, entry.Id.ToString(), entry.Values.Select(v => (v.Name.ToString(), v.Value))), handler, subscription), token);
            }
            if (claimed.Count(e => !e.IsNull) == 0)
            {
                return;
            }
        }
    }

    private async Task WorkerAsync()
    {
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_componentClosed.Token))
            {
                if (!reader.TryRead(out var item))
                {
                    continue;
                }
                if (_subscriptionsClosed.IsCancellationRequested)
                {
                    // subscription.go: a handler called after Stop closed the subscription delivers nothing,
                    // waits for the subscription's context to end (holding its worker, so the queue fills and
                    // reading stops) and returns that context's error: the entry is not acknowledged.
                    await WhenCancelledAsync(_subscriptionContext.Token);
                    Log.LeftPending(logger, item.Message.Id, item.Message.Topic, "subscription closed");
                    continue;
                }
                Interlocked.Increment(ref _inFlight);
                try
                {
                    await ProcessAsync(item.Message, item.Handler, item.Subscription);
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task ProcessAsync(StreamMessage message, MessageHandler handler, CancellationToken subscription)
    {
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            // daprd delivers under resiliency.NewRunner(context.Background(), ...): shutdown does not cut a
            // delivery or its retries short; only the process exit (the grace period's fatal) does.
            await handler(message, _subscriptionsClosed.Token, CancellationToken.None);
        }
        catch (Exception ex)
        {
            var expired = settings.RedeliveryEnabled && TimeProvider.System.GetElapsedTime(started) >= settings.ProcessingTimeout;
            var closed = subscription.IsCancellationRequested;
            if (expired || closed || _subscriptionsClosed.IsCancellationRequested)
            {
                // components-contrib: an error with the handler context done (deadline, subscription
                // closed by an unhealthy app or by shutdown) is not acknowledged; subscription.go turns any
                // failure after Stop closed the subscription into that context's error (no dead-letter
                // topic). The entry stays pending for the reclaim loop.
                Log.LeftPending(logger, message.Id, message.Topic, expired ? "processing timeout elapsed" : closed ? "subscription closed" : "sidecar shutting down");
                return;
            }
            Log.HandlerFailed(logger, message.Id, message.Topic, ex.Message);
        }
        await AckAsync(message);
    }

    private async Task AckAsync(StreamMessage message)
    {
        try
        {
            await Db.StreamAcknowledgeAsync(message.Topic, settings.ConsumerId, message.Id);
        }
        catch (RedisException ex)
        {
            Log.AckFailed(logger, message.Id, ex.Message);
        }
    }

    private static IEnumerable<StreamMessage> ParseStreams(RedisResult result)
    {
        if (result.IsNull)
        {
            yield break;
        }
        var items = (RedisResult[])result!;
        var streams = new List<(string Name, RedisResult Entries)>();
        if (result.Resp3Type == ResultType.Map)
        {
            for (var i = 0; i + 1 < items.Length; i += 2)
            {
                streams.Add((items[i].ToString(), items[i + 1]));
            }
        }
        else
        {
            foreach (var item in items)
            {
                var pair = (RedisResult[])item!;
                streams.Add((pair[0].ToString(), pair[1]));
            }
        }

        foreach (var (stream, entries) in streams)
        {
            if (entries.IsNull)
            {
                continue;
            }
            foreach (var entry in (RedisResult[])entries!)
            {
                var parts = (RedisResult[])entry!;
                var id = parts[0].ToString();
                var fields = parts[1].IsNull ? [] : (RedisResult[])parts[1]!;
                var pairs = new List<(string, RedisValue)>();
                for (var i = 0; i + 1 < fields.Length; i += 2)
                {
                    pairs.Add((fields[i].ToString(), (RedisValue)fields[i + 1]));
                }
                yield return ToMessage(stream, id, pairs);
            }
        }
    }

    private static StreamMessage ToMessage(string topic, string id, IEnumerable<(string Name, RedisValue Value)> fields)
    {
        byte[] data = [];
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, value) in fields)
        {
            if (field == "data" && !value.IsNull)
            {
                data = (byte[])value!;
            }
            else if (field == "metadata" && !value.IsNull)
            {
                try
                {
                    metadata = JsonSerializer.Deserialize<Dictionary<string, string>>(value.ToString()) ?? metadata;
                }
                catch (JsonException)
                {
                    // components-contrib only warns about unreadable metadata.
                }
            }
        }
        return new StreamMessage(topic, id, data, metadata);
    }

    private static Task WhenCancelledAsync(CancellationToken token)
    {
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        token.Register(() => cancelled.TrySetResult());
        return cancelled.Task;
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken token)
    {
        try
        {
            await Task.Delay(delay, token);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/subscription/subscription.go Stop, for a component that cannot
    /// pause (pubsub.redis has no Pause): closes the subscriptions at once, so entries read but not
    /// handed to the app yet stay pending; waits for the deliveries in flight (polling every 20 ms, at
    /// most drainMaxDuration, 30 s), then 400 ms more if any was in flight when it began (for their
    /// acknowledgements), then cancels the subscriptions' context: the poll and reclaim loops end.
    /// The component stays open: publishes still work. Idempotent; concurrent callers share one stop.
    /// </summary>
    public Task StopSubscriptionsAsync()
    {
        lock (_stopGate)
        {
            return _stopped ??= StopAsync();
        }

        async Task StopAsync()
        {
            await _subscriptionsClosed.CancelAsync();
            var inFlight = Volatile.Read(ref _inFlight) > 0;
            var deadline = TimeProvider.System.GetTimestamp() + (long)(DrainMaxDuration.TotalSeconds * TimeProvider.System.TimestampFrequency);
            while (Volatile.Read(ref _inFlight) > 0 && TimeProvider.System.GetTimestamp() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20));
            }
            if (Volatile.Read(ref _inFlight) > 0)
            {
                Log.DrainCeilingReached(logger, name, DrainMaxDuration, Volatile.Read(ref _inFlight));
            }
            if (inFlight)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(400));
            }
            await _subscriptionContext.CancelAsync();
        }
    }

    /// <summary>subscription.go drainMaxDuration.</summary>
    public static TimeSpan DrainMaxDuration { get; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// daprd's processor.Close for a pubsub (pkg/runtime/processor/pubsub/pubsub.go): stops the
    /// subscriptions as <see cref="StopSubscriptionsAsync"/>, then the component's Close
    /// (components-contrib v1.18.4 pubsub/redis/redis.go): refuses publishes, closes the Redis client,
    /// then waits for its workers, without a bound of its own (daprd's grace period bounds the whole
    /// shutdown). A delivery still in flight at that point cannot acknowledge its entry any more.
    /// </summary>
    public async Task CloseAsync()
    {
        await StopSubscriptionsAsync();
        if (_componentClosed.IsCancellationRequested)
        {
            return;
        }
        await _componentClosed.CancelAsync();
        await CloseConnectionsAsync();
        await Task.WhenAll(_workers);
        Task[] loops;
        lock (_loops)
        {
            loops = [.. _loops];
        }
        await Task.WhenAll(loops);
    }

    private async Task CloseConnectionsAsync()
    {
        List<ConnectionMultiplexer> readers;
        lock (_readers)
        {
            readers = [.. _readers];
        }
        foreach (var reader in readers)
        {
            await reader.CloseAsync(allowCommandsToComplete: false);
        }
        if (_connection is not null)
        {
            await _connection.CloseAsync(allowCommandsToComplete: false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        List<ConnectionMultiplexer> readers;
        lock (_readers)
        {
            readers = [.. _readers];
        }
        foreach (var reader in readers)
        {
            await reader.DisposeAsync();
        }
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
        _subscriptionsClosed.Dispose();
        _subscriptionContext.Dispose();
        _componentClosed.Dispose();
    }
}
