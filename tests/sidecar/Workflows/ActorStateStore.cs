using StackExchange.Redis;

namespace TestSidecar.Workflows;

/// <summary>
/// The actor state store (the state.redis component with actorStateStore "true"), where daprd keeps
/// workflow state. Workflow calls read and write it through <see cref="WorkflowStateStore"/>, whose
/// errors are the store's own in daprd's words ("failed to load workflow metadata: ..."); this type
/// only names the component and holds the connection opened for it at start.
/// </summary>
internal sealed class ActorStateStore(string name, ConnectionMultiplexer connection) : IAsyncDisposable
{
    public string Name => name;

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
        return new ActorStateStore(name, connection);
    }

    public ValueTask DisposeAsync() => connection.DisposeAsync();
}
