using RedisStreamDemo.Contracts;

namespace Deployment.Tests;

// components/ (dapr run), k8s/base (cluster) and deploy/compose/components (docker compose) describe
// the same Dapr resources; only addresses and the cluster's topic scopes may differ.
public sealed class DaprResourcesAgreeTests
{
    private static readonly IReadOnlyList<object?> Local = DaprResources.In("components");
    private static readonly IReadOnlyList<object?> Compose = DaprResources.In("deploy", "compose", "components");
    private static readonly IReadOnlyList<object?> Kubernetes = [.. Manifests.All.Where(m => m.Document.Text("apiVersion")?.StartsWith("dapr.io/", StringComparison.Ordinal) == true).Select(m => m.Document)];

    public static TheoryData<string> Deployments() => new(["components", "k8s", "compose"]);

    private static IReadOnlyList<object?> ResourcesOf(string deployment) => deployment switch
    {
        "components" => Local,
        "k8s" => Kubernetes,
        "compose" => Compose,
        _ => throw new ArgumentOutOfRangeException(nameof(deployment)),
    };

    [Theory]
    [MemberData(nameof(Deployments))]
    public void Pubsub_and_statestore_use_contract_names_and_redis_types(string deployment)
    {
        var resources = ResourcesOf(deployment);
        var pubsub = DaprResources.Named(resources, "Component", DaprNames.PubSub);
        var state = DaprResources.Named(resources, "Component", DaprNames.StateStore);

        Assert.Equal("pubsub.redis", pubsub.Text("spec", "type"));
        Assert.Equal([DaprNames.AppIds.Ingress, DaprNames.AppIds.Proxy], pubsub.Strings("scopes"));
        Assert.Equal("state.redis", state.Text("spec", "type"));
        Assert.Equal("true", DaprResources.Metadata(state)["actorStateStore"]);
        // Workflows need exactly one actor state store, and only the ingress runs workflows.
        Assert.Equal([DaprNames.AppIds.Ingress], state.Strings("scopes"));
    }

    [Theory]
    [MemberData(nameof(Deployments))]
    public void The_reply_store_is_a_plain_redis_state_store_only_the_proxy_can_reach(string deployment)
    {
        var replies = DaprResources.Named(ResourcesOf(deployment), "Component", DaprNames.ReplyStore);

        Assert.Equal("state.redis", replies.Text("spec", "type"));
        Assert.Equal([DaprNames.AppIds.Proxy], replies.Strings("scopes"));
        // Not a second actor state store (workflows allow exactly one), and the default key prefix
        // (the app id) so replies cannot collide with any other app's keys.
        Assert.DoesNotContain("actorStateStore", DaprResources.Metadata(replies).Keys);
        Assert.DoesNotContain("keyPrefix", DaprResources.Metadata(replies).Keys);
    }

    [Theory]
    [InlineData("k8s")]
    [InlineData("compose")]
    public void Components_equal_the_local_ones_except_addresses_and_topic_scopes(string deployment)
    {
        string[] mayDiffer = ["redisHost", "publishingScopes", "subscriptionScopes"];
        foreach (var name in new[] { DaprNames.PubSub, DaprNames.StateStore, DaprNames.ReplyStore })
        {
            var local = DaprResources.Named(Local, "Component", name);
            var other = DaprResources.Named(ResourcesOf(deployment), "Component", name);

            Assert.Equal(local.Text("spec", "type"), other.Text("spec", "type"));
            Assert.Equal(local.Text("spec", "version"), other.Text("spec", "version"));
            Assert.Equal(local.Strings("scopes"), other.Strings("scopes"));
            Assert.Equal(
                DaprResources.Metadata(local).Where(entry => !mayDiffer.Contains(entry.Key)).OrderBy(entry => entry.Key),
                DaprResources.Metadata(other).Where(entry => !mayDiffer.Contains(entry.Key)).OrderBy(entry => entry.Key));
        }
    }

    [Fact]
    public void Kubernetes_components_point_at_the_in_cluster_redis_service()
    {
        var redisService = Manifests.Single("Service", "redis");
        var expected = $"redis.redis-stream-demo.svc.cluster.local:{redisService.Document.Text("spec", "ports", 0, "port")}";
        foreach (var name in new[] { DaprNames.PubSub, DaprNames.StateStore, DaprNames.ReplyStore })
        {
            Assert.Equal(expected, DaprResources.Metadata(DaprResources.Named(Kubernetes, "Component", name))["redisHost"]);
        }
    }

    [Fact]
    public void Kubernetes_topic_scopes_let_each_app_only_play_its_part_of_request_reply()
    {
        var metadata = DaprResources.Metadata(DaprResources.Named(Kubernetes, "Component", DaprNames.PubSub));
        var publishing = DaprResources.Scopes(metadata["publishingScopes"]);
        var subscription = DaprResources.Scopes(metadata["subscriptionScopes"]);

        // Each app's sidecar also republishes its undeliverable deliveries to its dead-letter topic.
        Assert.Equal([DaprNames.Topics.WeatherRequests, DaprNames.Topics.WeatherResponsesDeadLetter], publishing[DaprNames.AppIds.Ingress]);
        Assert.Equal([DaprNames.Topics.WeatherResponses, DaprNames.Topics.WeatherResponsesDeadLetter], subscription[DaprNames.AppIds.Ingress]);
        // The proxy's sidecar republishes undeliverable requests to the dead-letter topic, and that
        // publish is checked against publishingScopes too.
        Assert.Equal([DaprNames.Topics.WeatherResponses, DaprNames.Topics.WeatherRequestsDeadLetter], publishing[DaprNames.AppIds.Proxy]);
        Assert.Equal([DaprNames.Topics.WeatherRequests, DaprNames.Topics.WeatherRequestsDeadLetter], subscription[DaprNames.AppIds.Proxy]);
    }

    [Theory]
    [InlineData("k8s")]
    [InlineData("compose")]
    public void Resiliency_policies_and_targets_are_identical_to_the_local_ones(string deployment)
    {
        var local = DaprResources.Named(Local, "Resiliency", "resiliency");
        var other = DaprResources.Named(ResourcesOf(deployment), "Resiliency", "resiliency");

        Assert.True(Yaml.DeepEquals(local.At("spec"), other.At("spec")), $"Resiliency spec in {deployment} differs from components/resiliency.yaml.");
        Assert.Equal(local.Strings("scopes"), other.Strings("scopes"));
        Assert.NotNull(other.At("spec", "targets", "components", DaprNames.PubSub, "inbound", "retry"));
    }

    [Theory]
    [MemberData(nameof(Deployments))]
    public void Configuration_samples_every_trace_to_zipkin_and_enables_metrics(string deployment)
    {
        var config = DaprResources.Named(ResourcesOf(deployment), "Configuration", "appconfig");

        Assert.Equal("1", config.Text("spec", "tracing", "samplingRate"));
        Assert.EndsWith(":9411/api/v2/spans", config.Text("spec", "tracing", "zipkin", "endpointAddress"), StringComparison.Ordinal);
        Assert.Equal("true", config.Text("spec", "metrics", "enabled"), ignoreCase: true);
    }

    // dapr/dapr pkg/config/configuration.go WorkflowStateRetentionPolicy: daprd purges terminal
    // instances after anyTerminal, whoever scheduled them; the ingress's own purger keeps the same
    // retention for the instances it scheduled, so a finished result is retrievable as long either way.
    [Theory]
    [MemberData(nameof(Deployments))]
    public void Daprd_purges_finished_workflows_after_the_ingress_retention(string deployment)
    {
        var config = DaprResources.Named(ResourcesOf(deployment), "Configuration", "appconfig");
        using var settings = System.Text.Json.JsonDocument.Parse(Repo.Read("services", "ingress", "appsettings.json"));
        var retention = TimeSpan.Parse(settings.RootElement.GetProperty("Correlation").GetProperty("Retention").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal($"{retention.TotalMinutes:0}m", config.Text("spec", "workflow", "stateRetentionPolicy", "anyTerminal"));
    }

    [Fact]
    public void Compose_components_differ_from_the_local_ones_only_in_addresses()
    {
        var localConfig = DaprResources.Named(Local, "Configuration", "appconfig");
        var composeConfig = DaprResources.Named(Compose, "Configuration", "appconfig");

        Assert.Equal("http://zipkin:9411/api/v2/spans", composeConfig.Text("spec", "tracing", "zipkin", "endpointAddress"));
        Assert.Equal(localConfig.Text("spec", "tracing", "samplingRate"), composeConfig.Text("spec", "tracing", "samplingRate"));
        foreach (var name in new[] { DaprNames.PubSub, DaprNames.StateStore, DaprNames.ReplyStore })
        {
            Assert.Equal("redis:6379", DaprResources.Metadata(DaprResources.Named(Compose, "Component", name))["redisHost"]);
        }
    }
}
