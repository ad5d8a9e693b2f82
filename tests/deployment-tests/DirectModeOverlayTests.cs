using RedisStreamDemo.Contracts;

namespace Deployment.Tests;

// Direct mode: the proxy publishes each reply to weather-responses.<pod name> and the ingress
// subscribes to its own. Dapr topic scopes are exact names (dapr/dapr pkg/runtime/pubsub/adapter.go
// IsOperationAllowed: an app-id with a scope list may use only the topics listed; one without a
// list may use any), and pod names are not known in advance.
public sealed class DirectModeOverlayTests
{
    private static readonly Lazy<IReadOnlyList<object?>> Rendered = new(() =>
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, Overlays.Render("k8s/direct-mode"));
            return Yaml.LoadAll(file);
        }
        finally
        {
            File.Delete(file);
        }
    });

    private static object? Single(string kind, string name) =>
        Assert.Single(Rendered.Value, document => document.Text("kind") == kind && document.Text("metadata", "name") == name);

    private static bool Allowed(string? scopes, string appId, string topic)
    {
        var lists = DaprResources.Scopes(scopes ?? "");
        return !lists.TryGetValue(appId, out var topics) || topics.Contains(topic);
    }

    [Fact]
    public void The_ingress_runs_in_direct_mode()
    {
        Assert.Equal("Direct", Single("ConfigMap", "ingress-config").Text("data", "Correlation__Mode"));
    }

    [Fact]
    public void The_proxy_may_publish_and_the_ingress_subscribe_a_replicas_reply_topic()
    {
        var metadata = DaprResources.Metadata(Single("Component", DaprNames.PubSub));
        var replyTopic = DaprNames.Topics.ReplyTopicFor("ingress-7d9f8-x2x4q");

        Assert.True(Allowed(metadata.GetValueOrDefault("publishingScopes"), DaprNames.AppIds.Proxy, replyTopic));
        Assert.True(Allowed(metadata.GetValueOrDefault("subscriptionScopes"), DaprNames.AppIds.Ingress, replyTopic));
    }

    [Fact]
    public void The_scopes_that_direct_mode_does_not_need_stay_as_narrow_as_in_workflow_mode()
    {
        var metadata = DaprResources.Metadata(Single("Component", DaprNames.PubSub));

        Assert.Equal([DaprNames.Topics.WeatherRequests, DaprNames.Topics.WeatherResponsesDeadLetter], DaprResources.Scopes(metadata["publishingScopes"])[DaprNames.AppIds.Ingress]);
        Assert.Equal([DaprNames.Topics.WeatherRequests, DaprNames.Topics.WeatherRequestsDeadLetter], DaprResources.Scopes(metadata["subscriptionScopes"])[DaprNames.AppIds.Proxy]);
    }
}
