using System.Collections.Concurrent;
using System.Globalization;
using LoadTest.Running;
using StackExchange.Redis;

namespace Benchmarks.Cases;

/// <summary>
/// The floor under the real system: request/reply over Redis Streams with nothing else. A
/// requester XADDs the request envelope; a responder reads it with its consumer group (blocking
/// XREADGROUP on a dedicated connection), XADDs the reply and XACKs; the requester reads replies
/// with its own group (another dedicated connection), XACKs and completes the waiting caller by
/// request id. Requester and responder have separate command connections, like two processes.
/// </summary>
internal sealed class RedisFloor : IAsyncDisposable
{
    private const string RequestStream = "floor-requests";
    private const string ReplyStream = "floor-replies";
    private const string ResponderGroup = "responder";
    private const string RequesterGroup = "requester";
    private const int ReadCount = 100;
    private static readonly TimeSpan Block = TimeSpan.FromMilliseconds(1000);

    private readonly ConnectionMultiplexer[] _connections;
    private readonly IDatabase _requester;
    private readonly IDatabase _responder;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _waiting = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private readonly string _runTag = Guid.NewGuid().ToString("N")[..8];
    private long _loopErrors;
    private long _sent;

    private RedisFloor(ConnectionMultiplexer[] connections)
    {
        _connections = connections;
        _requester = connections[0].GetDatabase();
        _responder = connections[1].GetDatabase();
        _loops =
        [
            Task.Run(() => RespondLoopAsync(connections[2].GetDatabase())),
            Task.Run(() => ReplyLoopAsync(connections[3].GetDatabase())),
        ];
    }

    /// <summary>Errors inside the read loops (not tied to one request), for the self-check.</summary>
    public long LoopErrors => Interlocked.Read(ref _loopErrors);

    public static async Task<RedisFloor> StartAsync(string endpoint)
    {
        var options = ConfigurationOptions.Parse(endpoint);
        options.AbortOnConnectFail = true;
        var connections = new ConnectionMultiplexer[4];
        for (var i = 0; i < connections.Length; i++)
        {
            connections[i] = await ConnectionMultiplexer.ConnectAsync(options);
        }
        var db = connections[0].GetDatabase();
        await StreamReads.CreateGroupAsync(db, RequestStream, ResponderGroup);
        await StreamReads.CreateGroupAsync(db, ReplyStream, RequesterGroup);
        return new RedisFloor(connections);
    }

    public async Task<RequestOutcome> SendAsync(CancellationToken cancellationToken)
    {
        // The runner counts from 0 in every run; ids and cities must differ across runs too.
        var sequence = Interlocked.Increment(ref _sent);
        var requestId = string.Concat(_runTag, "-", sequence.ToString(CultureInfo.InvariantCulture));
        var city = TestSupport.CityNames.Named(sequence, "Floor");
        var reply = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[requestId] = reply;
        try
        {
            await _requester.StreamAddAsync(RequestStream, "data", Payloads.Request(requestId, city), maxLength: StreamReads.MaxLenApprox, useApproximateMaxLength: true);
            var replyCity = await reply.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            return replyCity == city
                ? RequestOutcome.Ok("replied")
                : RequestOutcome.Failed("mismatch", "ReplyMismatch", $"reply city {replyCity}, sent {city}");
        }
        catch (TimeoutException)
        {
            return RequestOutcome.Failed("timeout", "Timeout", "no reply within 10 s");
        }
        finally
        {
            _waiting.TryRemove(requestId, out _);
        }
    }

    private async Task RespondLoopAsync(IDatabase reader)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                foreach (var (id, data) in await StreamReads.ReadGroupAsync(reader, RequestStream, ResponderGroup, ReadCount, Block))
                {
                    var (requestId, city) = Payloads.Read((byte[])data!);
                    // Pipelined, not awaited one by one: the next read does not wait for these.
                    _ = RespondAsync(id, requestId, city);
                }
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _loopErrors);
            }
        }
    }

    private async Task RespondAsync(RedisValue entryId, string requestId, string city)
    {
        try
        {
            var add = _responder.StreamAddAsync(ReplyStream, "data", Payloads.Reply(requestId, city), maxLength: StreamReads.MaxLenApprox, useApproximateMaxLength: true);
            var ack = _responder.StreamAcknowledgeAsync(RequestStream, ResponderGroup, entryId);
            await Task.WhenAll(add, ack);
        }
        catch (RedisException)
        {
            Interlocked.Increment(ref _loopErrors);
        }
    }

    private async Task ReplyLoopAsync(IDatabase reader)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var entries = await StreamReads.ReadGroupAsync(reader, ReplyStream, RequesterGroup, ReadCount, Block);
                if (entries.Count == 0)
                {
                    continue;
                }
                _ = _requester.StreamAcknowledgeAsync(ReplyStream, RequesterGroup, [.. entries.Select(e => e.Id)], CommandFlags.FireAndForget);
                foreach (var (_, data) in entries)
                {
                    var (requestId, city) = Payloads.Read((byte[])data!);
                    if (_waiting.TryGetValue(requestId, out var waiting))
                    {
                        waiting.TrySetResult(city);
                    }
                }
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _loopErrors);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        // The loops end within one BLOCK interval.
        await Task.WhenAll(_loops).WaitAsync(Block * 3);
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
        _stop.Dispose();
    }
}
