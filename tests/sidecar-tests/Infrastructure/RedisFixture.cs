using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(Sidecar.Tests.Infrastructure.RedisFixture))]

namespace Sidecar.Tests.Infrastructure;

/// <summary>One private redis-server for the whole assembly; tests use their own topics and app-ids.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private ConnectionMultiplexer? _connection;

    public string Endpoint => _server?.Endpoint ?? throw new InvalidOperationException("redis-server is not running");

    public IDatabase Db => (_connection ?? throw new InvalidOperationException("redis-server is not running")).GetDatabase();

    public async ValueTask InitializeAsync()
    {
        if (RedisServer.FindExecutable() is null)
        {
            return;
        }
        _server = await RedisServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_server.Endpoint);
    }

    /// <summary>Skips (locally) or fails (CI=true) when redis-server is missing.</summary>
    public void Require()
    {
        Requirements.RedisServerInstalled();
        if (_server is null)
        {
            Requirements.Unavailable("redis-server did not start");
        }
    }

    /// <summary>
    /// Deletes the workflow state earlier tests left in this shared server: a sidecar resumes every
    /// instance it finds at start, as daprd does through its reminders, and this one must start empty.
    /// </summary>
    public async Task ForgetWorkflowsAsync()
    {
        var server = (_connection ?? throw new InvalidOperationException("redis-server is not running")).GetServers()[0];
        await foreach (var key in server.KeysAsync(pattern: "*||dapr.internal.*.workflow||*"))
        {
            await Db.KeyDeleteAsync(key);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
