using System.Diagnostics;
using StackExchange.Redis;

namespace TestSidecar.Workflows;

/// <summary>
/// The actor state store (the state.redis component with actorStateStore "true"), where daprd keeps
/// workflow state. The sidecar's engine keeps it in memory, so only the store's availability is
/// reproduced: a call that makes daprd write workflow state fails while Redis does not answer.
/// Cheap on the hot path: IsConnected on every call (a killed server drops the socket at once) and
/// a PING at most every <see cref="RecheckAfter"/>, run in the background while the store looks
/// healthy (a hung server answers nothing, the socket stays up).
/// </summary>
internal sealed class ActorStateStore(string name, string host, ConnectionMultiplexer connection) : IAsyncDisposable
{
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromMilliseconds(250);
    // go-redis' default read timeout, which is how long daprd's state store waits for an answer; a
    // shorter one calls a busy (not down) Redis unavailable on a loaded machine.
    private static readonly TimeSpan PingTimeout = TimeSpan.FromSeconds(3);

    private readonly Lock _gate = new();
    private volatile Health _last = new(Stopwatch.GetTimestamp(), null);
    private Task? _checking;

    private sealed record Health(long At, string? Error);

    public string Name => name;

    /// <summary>The error daprd's state store call would return now, or null when Redis answers.</summary>
    public async ValueTask<string?> ErrorAsync()
    {
        if (!connection.IsConnected)
        {
            // go-redis' error for a refused connection, the usual case with the server down.
            return $"dial tcp {host}: connect: connection refused";
        }
        var last = _last;
        if (Stopwatch.GetElapsedTime(last.At) < RecheckAfter)
        {
            return last.Error;
        }
        var check = StartCheck();
        if (last.Error is null)
        {
            return null;
        }
        await check;
        return _last.Error;
    }

    private Task StartCheck()
    {
        lock (_gate)
        {
            return _checking is { IsCompleted: false } running ? running : _checking = CheckAsync();
        }
    }

    private async Task CheckAsync()
    {
        string? error = null;
        try
        {
            await connection.GetDatabase().PingAsync().WaitAsync(PingTimeout);
        }
        catch (TimeoutException)
        {
            error = $"read tcp {host}: i/o timeout";
        }
        catch (RedisException ex)
        {
            error = ex.Message;
        }
        _last = new Health(Stopwatch.GetTimestamp(), error);
    }

    public static async Task<ActorStateStore> ConnectAsync(string name, string host, string? password)
    {
        var config = ConfigurationOptions.Parse(host);
        config.Password = password;
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = 5000;
        var connection = await ConnectionMultiplexer.ConnectAsync(config);
        if (!connection.IsConnected)
        {
            await connection.DisposeAsync();
            throw new InvalidOperationException($"component {name}: error connecting to redis at {host}");
        }
        await connection.GetDatabase().PingAsync();
        return new ActorStateStore(name, host, connection);
    }

    public ValueTask DisposeAsync() => connection.DisposeAsync();
}
