using TestSidecar.PubSub;
using TestSidecar.Resources;
using TestSidecar.State;
using TestSidecar.Workflows;

namespace TestSidecar.Hosting;

/// <summary>
/// Initialises the components daprd would load for this app. As in daprd, a component that fails
/// to initialise (unknown type, bad metadata, Redis unreachable) stops the sidecar.
/// </summary>
internal sealed record LoadedComponents(Dictionary<string, RedisStreamsPubSub> PubSubs, Dictionary<string, TopicScopes> PubSubScopes, Dictionary<string, RedisStateStore> StateStores, string? ActorStateStore);

internal static class ComponentLoader
{
    public static async Task<LoadedComponents> InitializeAsync(DaprResources resources, SidecarOptions options, ILoggerFactory loggerFactory)
    {
        var logger = loggerFactory.CreateLogger("TestSidecar.Components");
        var pubsubs = new Dictionary<string, RedisStreamsPubSub>(StringComparer.Ordinal);
        var scopes = new Dictionary<string, TopicScopes>(StringComparer.Ordinal);
        var stateStores = new Dictionary<string, RedisStateStore>(StringComparer.Ordinal);
        string? actorStore = null;
        foreach (var component in resources.Components)
        {
            switch (component.Type, component.Version)
            {
                case ("pubsub.redis", "v1"):
                    var settings = RedisPubSubSettings.Parse(component.Metadata, options.AppId);
                    var pubsub = new RedisStreamsPubSub(component.Name, settings, loggerFactory.CreateLogger("TestSidecar.PubSub." + component.Name));
                    await pubsub.InitAsync();
                    pubsubs.Add(component.Name, pubsub);
                    scopes.Add(component.Name, TopicScopes.Parse(component.Metadata, options.AppId));
                    break;
                case ("state.redis", "v1"):
                    // Every state store serves the state API, the actor state store included, as in daprd.
                    stateStores.Add(component.Name, await RedisStateStore.ConnectAsync(component, options.AppId, options.Namespace));
                    if (IsActorStateStore(component))
                    {
                        if (actorStore is not null)
                        {
                            throw new InvalidOperationException($"detected duplicate actor state store: {actorStore} and {component.Name}");
                        }
                        actorStore = component.Name;
                    }
                    break;
                default:
                    throw new NotSupportedException($"couldn't find component {component.Type}/{component.Version} (component {component.Name}); the test sidecar supports pubsub.redis/v1 and state.redis/v1");
            }
            Log.ComponentLoaded(logger, component.Name, component.Type, component.Version);
        }
        return new LoadedComponents(pubsubs, scopes, stateStores, actorStore);
    }

    // daprd: the metadata key compared case-insensitively, the value by kit's IsTruthy.
    private static bool IsActorStateStore(ComponentResource component) =>
        component.Metadata.FirstOrDefault(kv => kv.Key.Equals("actorStateStore", StringComparison.OrdinalIgnoreCase)).Value?.Trim().ToLowerInvariant()
            is "y" or "yes" or "true" or "t" or "on" or "1";
}
