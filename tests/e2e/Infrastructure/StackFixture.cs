using RedisStreamDemo.Stack;
using StackExchange.Redis;
using TestSupport;

namespace EndToEnd.Tests.Infrastructure;

/// <summary>
/// One running system (redis-server, ingress, proxy, their test sidecars) shared by the tests of a
/// class or collection. A machine without redis-server skips those tests locally and fails them
/// under CI=true; a stack that does not start fails them with every process's last output lines.
/// </summary>
public abstract class StackFixture : IAsyncLifetime
{
    private LocalStack? _stack;
    private Exception? _startFailure;
    private ConnectionMultiplexer? _redis;

    /// <summary>Environment per app id on top of dapr.yaml's.</summary>
    protected virtual Dictionary<string, Dictionary<string, string?>> AppEnvironment => [];

    /// <summary>Why this system is not started here at all (an opt-in suite); null runs it.</summary>
    protected virtual string? OptInSkipReason => null;

    /// <summary>A real daprd instead of the test sidecar; see <see cref="StackOptions.DaprdPath"/>.</summary>
    protected virtual string? DaprdPath => null;

    protected virtual IReadOnlyList<string> SidecarArguments => [];

    public LocalStack Stack
    {
        get
        {
            if (OptInSkipReason is { } optIn)
            {
                Assert.Skip(optIn);
            }
            Requirements.RedisServerInstalled();
            if (_startFailure is not null)
            {
                Assert.Fail($"The stack did not start: {_startFailure}");
            }
            return _stack ?? throw new InvalidOperationException("The stack was not started.");
        }
    }

    public WeatherApi Ingress => new(Http, Stack["ingress"].Url);

    public Uri Proxy => Stack["proxy"].Url;

    public IDatabase Redis => (_redis ?? throw new InvalidOperationException("Redis is not connected.")).GetDatabase();

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string Diagnostics() => _stack?.Diagnostics(60) ?? "(no stack)";

    public async ValueTask InitializeAsync()
    {
        if (OptInSkipReason is not null || RedisServer.FindExecutable() is null)
        {
            return;
        }
        try
        {
            _stack = await LocalStack.StartAsync(new StackOptions
            {
                AppEnvironment = AppEnvironment,
                ReadyTimeout = TimeSpan.FromSeconds(90),
                DaprdPath = DaprdPath,
                SidecarArguments = SidecarArguments,
            }, TestContext.Current.CancellationToken);
            _redis = await ConnectionMultiplexer.ConnectAsync(_stack.RedisEndpoint);
        }
        catch (Exception ex) when (ex is StackStartException or FileNotFoundException or TimeoutException or InvalidOperationException or RedisConnectionException)
        {
            _startFailure = ex;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }
        Http.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The system as dapr.yaml describes it (proxy: 4 terminals, 20 ms each).</summary>
public sealed class DefaultStack : StackFixture;

[CollectionDefinition(nameof(DefaultStack))]
public sealed class DefaultStackCollection : ICollectionFixture<DefaultStack>;
