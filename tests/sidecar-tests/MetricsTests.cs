using System.Net;
using Dapr;
using Microsoft.AspNetCore.Http;
using TestSidecar.Diagnostics;
using TestSidecar.Hosting;
using YamlDotNet.RepresentationModel;

namespace Sidecar.Tests;

public sealed class MetricsTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static Task<IResult> Answer(string body) => Task.FromResult(Results.Text(body, "application/json"));

    private static async Task<string> ScrapeAsync(SidecarProcess sidecar, string path = "/")
    {
        using var http = new HttpClient();
        return await http.GetStringAsync(new Uri(sidecar.MetricsEndpoint, path), TestContext.Current.CancellationToken);
    }

    private static string[] Lines(string exposition) => exposition.Split('\n');

    private static async Task<string> ScrapeUntilAsync(SidecarProcess sidecar, string line)
    {
        var text = "";
        await Sidecars.WaitUntilAsync(async () => Lines(text = await ScrapeAsync(sidecar)).Contains(line), Wait, line);
        return text;
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/metrics/exporter.go (the metrics server answers every path of
    /// --metrics-port, text format) and pkg/diagnostics/component_monitoring.go (views are exported
    /// from their first record: before any publish there is no pub/sub series), pkg/api/grpc/grpc.go
    /// PublishEvent (egress: app_id, component, namespace, success, topic) and
    /// pkg/runtime/subscription/postman/http/http.go Deliver (ingress: app_id, component, namespace,
    /// process_status, status, topic; latencies in ms with configuration.go's default buckets).
    /// </summary>
    [Fact]
    public async Task A_publish_and_its_delivery_show_in_daprd_egress_and_ingress_series()
    {
        redis.Require();
        var topic = Sidecars.NewName("met");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in")], (_, _) => Answer("""{"status":"SUCCESS"}"""));
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), app.Port);
        Assert.DoesNotContain("dapr_component_pubsub", await ScrapeAsync(sidecar, "/any/path"), StringComparison.Ordinal);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("hi"), TestContext.Current.CancellationToken);
        await app.WaitForDeliveriesAsync(1, Wait);
        var ingress = $"{{app_id=\"proxy\",component=\"pubsub\",namespace=\"\",process_status=\"success\",status=\"success\",topic=\"{topic}\"}}";
        var text = await ScrapeUntilAsync(sidecar, $"dapr_component_pubsub_ingress_count{ingress} 1");
        var lines = Lines(text);

        var egress = $"{{app_id=\"proxy\",component=\"pubsub\",namespace=\"\",success=\"true\",topic=\"{topic}\"}}";
        Assert.Contains($"dapr_component_pubsub_egress_count{egress} 1", lines);
        Assert.Contains("# TYPE dapr_component_pubsub_egress_count counter", lines);
        Assert.Contains("# TYPE dapr_component_pubsub_ingress_latencies histogram", lines);
        Assert.Contains("# HELP dapr_component_pubsub_ingress_count The number of incoming messages arriving from the pub/sub component.", lines);
        Assert.Contains($"dapr_component_pubsub_egress_latencies_count{egress} 1", lines);
        Assert.Contains($"dapr_component_pubsub_ingress_latencies_count{ingress} 1", lines);
        Assert.Contains($"dapr_component_pubsub_ingress_latencies_bucket{ingress[..^1]},le=\"+Inf\"}} 1", lines);
        var bounds = lines.Where(l => l.StartsWith($"dapr_component_pubsub_ingress_latencies_bucket{ingress[..^1]}", StringComparison.Ordinal))
            .Select(l => l.Split("le=\"")[1].Split('"')[0]).ToList();
        Assert.Equal(["1", "2", "3", "4", "5", "6", "8", "10", "13", "16", "20", "25", "30", "40", "50", "65", "80", "100", "130", "160", "200", "250", "300", "400", "500", "650", "800", "1000", "2000", "5000", "10000", "20000", "50000", "100000", "+Inf"], bounds);
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/subscription/postman/http/http.go Deliver (a RETRY answer is
    /// process_status retry, one per attempt, with its latency), pkg/runtime/subscription/subscription.go
    /// (retries exhausted, the entry on the dead-letter topic: one drop, without a latency) and
    /// pkg/resiliency/resiliency.go addMetricsToPolicy, policy.go (the inbound retry policy counts in
    /// dapr_resiliency_count once per subscription, each retry in dapr_resiliency_activations_total).
    /// </summary>
    [Fact]
    public async Task A_RETRY_answer_counts_as_process_status_retry_and_the_dead_letter_as_drop()
    {
        redis.Require();
        var topic = Sidecars.NewName("retry");
        var deadLetter = topic + "-dlq";
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", deadLetter)], (_, _) => Answer("""{"status":"RETRY"}"""));
        var resources = Resources.Write(redis.Endpoint, inboundRetry: "policy: constant\nduration: 20ms\nmaxRetries: 2");
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("again"), TestContext.Current.CancellationToken);
        string Ingress(string process) => $"{{app_id=\"proxy\",component=\"pubsub\",namespace=\"\",process_status=\"{process}\",status=\"{process}\",topic=\"{topic}\"}}";
        var lines = Lines(await ScrapeUntilAsync(sidecar, $"dapr_component_pubsub_ingress_count{Ingress("drop")} 1"));

        Assert.Contains($"dapr_component_pubsub_ingress_count{Ingress("retry")} 3", lines);
        Assert.Contains($"dapr_component_pubsub_ingress_latencies_count{Ingress("retry")} 3", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith($"dapr_component_pubsub_ingress_latencies_count{Ingress("drop")}", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("process_status=\"success\"", StringComparison.Ordinal));
        var policy = "{app_id=\"proxy\",flow_direction=\"inbound\",name=\"test-resiliency\",namespace=\"\",policy=\"retry\",status=\"\",target=\"Pubsub_pubsub\"}";
        Assert.Contains($"dapr_resiliency_count{policy} 1", lines);
        Assert.Contains($"dapr_resiliency_activations_total{policy} 2", lines);
        Assert.Contains("dapr_resiliency_loaded{app_id=\"proxy\",name=\"test-resiliency\",namespace=\"\"} 1", lines);
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/resiliency/policy.go NewRunnerWithOptions: a timeout activation counts once
    /// per call (the runner's timeoutMetricsActivated flag) however many of its attempts time out, a
    /// retry activation once per retry; pkg/runtime/subscription/postman/http/http.go Deliver: the app
    /// call cut off by the deadline is process_status retry.
    /// </summary>
    [Fact]
    public async Task Timed_out_attempts_count_one_timeout_activation_per_message_and_one_retry_activation_per_retry()
    {
        redis.Require();
        var topic = Sidecars.NewName("slow");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", topic + "-dlq")], async (request, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(2), request.Aborted);
            return Results.Ok();
        });
        var resources = Resources.Write(redis.Endpoint, inboundRetry: "policy: constant\nduration: 20ms\nmaxRetries: 2", inboundTimeout: "200ms");
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Ping("slow"), TestContext.Current.CancellationToken);
        var lines = Lines(await ScrapeUntilAsync(sidecar,
            $"dapr_component_pubsub_ingress_count{{app_id=\"proxy\",component=\"pubsub\",namespace=\"\",process_status=\"drop\",status=\"drop\",topic=\"{topic}\"}} 1"));

        string Policy(string policy) => $"{{app_id=\"proxy\",flow_direction=\"inbound\",name=\"test-resiliency\",namespace=\"\",policy=\"{policy}\",status=\"\",target=\"Pubsub_pubsub\"}}";
        Assert.Contains($"dapr_resiliency_activations_total{Policy("timeout")} 1", lines);
        Assert.Contains($"dapr_resiliency_activations_total{Policy("retry")} 2", lines);
        Assert.Contains($"dapr_resiliency_count{Policy("timeout")} 1", lines);
        Assert.Contains($"dapr_component_pubsub_ingress_count{{app_id=\"proxy\",component=\"pubsub\",namespace=\"\",process_status=\"retry\",status=\"retry\",topic=\"{topic}\"}} 3", lines);
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/subscription/postman/http/http.go Deliver: a DROP answer is
    /// process_status drop with status success; a 404 is a drop with status drop.
    /// </summary>
    [Fact]
    public async Task A_DROP_answer_is_a_drop_with_status_success_and_a_404_a_drop_with_status_drop()
    {
        redis.Require();
        var dropped = Sidecars.NewName("drop");
        var missing = Sidecars.NewName("gone");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(dropped, "/drop"), Sidecars.Subscription(missing, "/gone")],
            (request, _) => request.Path == "/drop" ? Answer("""{"status":"DROP"}""") : Task.FromResult(Results.StatusCode(404)));
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), app.Port);
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", dropped, new Ping("drop me"), TestContext.Current.CancellationToken);
        await client.PublishEventAsync("pubsub", missing, new Ping("nobody"), TestContext.Current.CancellationToken);
        var lines = Lines(await ScrapeUntilAsync(sidecar,
            $"dapr_component_pubsub_ingress_count{{app_id=\"proxy\",component=\"pubsub\",namespace=\"\",process_status=\"drop\",status=\"success\",topic=\"{dropped}\"}} 1"));

        await ScrapeUntilAsync(sidecar, $"dapr_component_pubsub_ingress_count{{app_id=\"proxy\",component=\"pubsub\",namespace=\"\",process_status=\"drop\",status=\"drop\",topic=\"{missing}\"}} 1");
        Assert.DoesNotContain(lines, l => l.Contains("process_status=\"retry\"", StringComparison.Ordinal));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/api/grpc/grpc.go SaveState, GetState, DeleteState (StateInvoked after each
    /// call: component, operation set/get/delete, success) and component_monitoring.go.
    /// </summary>
    [Fact]
    public async Task State_calls_count_by_store_operation_and_success()
    {
        redis.Require();
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint));
        using var client = Sidecars.Client(sidecar);
        var key = Sidecars.NewName("key");

        await client.SaveStateAsync("replystore", key, new Ping("kept"), cancellationToken: TestContext.Current.CancellationToken);
        await client.GetStateAsync<Ping>("replystore", key, cancellationToken: TestContext.Current.CancellationToken);
        await client.GetStateAsync<Ping>("replystore", key, cancellationToken: TestContext.Current.CancellationToken);
        Assert.False(await client.TrySaveStateAsync("replystore", key, new Ping("stale"), "999", cancellationToken: TestContext.Current.CancellationToken));
        await client.DeleteStateAsync("replystore", key, cancellationToken: TestContext.Current.CancellationToken);
        var lines = Lines(await ScrapeAsync(sidecar));

        string State(string operation, bool success) => $"{{app_id=\"proxy\",component=\"replystore\",namespace=\"\",operation=\"{operation}\",success=\"{(success ? "true" : "false")}\"}}";
        Assert.Contains($"dapr_component_state_count{State("get", true)} 2", lines);
        Assert.Contains($"dapr_component_state_count{State("delete", true)} 1", lines);
        Assert.Contains($"dapr_component_state_count{State("set", true)} 1", lines);
        Assert.Contains($"dapr_component_state_count{State("set", false)} 1", lines);
        Assert.Contains($"dapr_component_state_latencies_count{State("get", true)} 2", lines);
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/diagnostics/resiliency_monitoring.go PolicyWithStatusExecuted (the breaker
    /// counts in dapr_resiliency_count with its state when a call is handed the policy, and sets
    /// dapr_resiliency_cb_state: one series per state, 1 for the current one), pkg/resiliency/policy.go
    /// (a state change around an attempt is an activation with the new state). So the gauge shows the
    /// state the last call started with: the failing publish that opened the breaker leaves it closed,
    /// the next publish shows it open.
    /// </summary>
    [Fact]
    public async Task The_breaker_state_gauge_shows_open_from_the_call_after_the_one_that_opened_it()
    {
        redis.Require();
        await using var server = await RedisServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var resources = Resources.WithResiliency(server.Endpoint, "breakers", """
            policies:
              circuitBreakers:
                pubsubBreaker:
                  timeout: 60s
                  trip: consecutiveFailures > 0
            targets:
              components:
                pubsub:
                  outbound:
                    circuitBreaker: pubsubBreaker
            """);
        await using var sidecar = await Sidecars.StartAsync("ingress", resources);
        using var client = Sidecars.Client(sidecar);
        var topic = Sidecars.NewName("cbm");
        await client.PublishEventAsync("pubsub", topic, new Ping("up"), TestContext.Current.CancellationToken);
        await server.StopAsync();

        await Assert.ThrowsAsync<DaprException>(() => client.PublishEventAsync("pubsub", topic, new Ping("down"), TestContext.Current.CancellationToken));
        var afterTrip = Lines(await ScrapeAsync(sidecar));
        await Assert.ThrowsAsync<DaprException>(() => client.PublishEventAsync("pubsub", topic, new Ping("refused"), TestContext.Current.CancellationToken));
        var afterRefusal = Lines(await ScrapeAsync(sidecar));

        string Breaker(string status) => $"{{app_id=\"ingress\",flow_direction=\"outbound\",name=\"breakers\",namespace=\"\",policy=\"circuitbreaker\",status=\"{status}\",target=\"Pubsub_pubsub\"}}";
        Assert.Contains($"dapr_resiliency_activations_total{Breaker("open")} 1", afterTrip);
        Assert.Contains($"dapr_resiliency_cb_state{Breaker("closed")} 1", afterTrip);
        Assert.Contains($"dapr_resiliency_cb_state{Breaker("open")} 0", afterTrip);
        Assert.Contains($"dapr_resiliency_count{Breaker("closed")} 2", afterRefusal);
        Assert.Contains($"dapr_resiliency_count{Breaker("open")} 1", afterRefusal);
        Assert.Contains($"dapr_resiliency_cb_state{Breaker("open")} 1", afterRefusal);
        Assert.Contains($"dapr_resiliency_cb_state{Breaker("closed")} 0", afterRefusal);
        Assert.Contains($"dapr_resiliency_cb_state{Breaker("half-open")} 0", afterRefusal);
        Assert.Contains($"dapr_resiliency_cb_state{Breaker("unknown")} 0", afterRefusal);
        Assert.Contains($"dapr_component_pubsub_egress_count{{app_id=\"ingress\",component=\"pubsub\",namespace=\"\",success=\"false\",topic=\"{topic}\"}} 2", afterRefusal);
    }

    /// <summary>dapr/dapr v1.18.3 pkg/metrics/options.go: --enable-metrics=false leaves the metrics port closed.</summary>
    [Fact]
    public async Task Enable_metrics_false_leaves_the_metrics_port_closed()
    {
        redis.Require();
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), extraArguments: ["--enable-metrics=false"]);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => ScrapeAsync(sidecar));

        Assert.Null(error.StatusCode);
        Assert.NotEqual(HttpStatusCode.OK, error.StatusCode ?? HttpStatusCode.ServiceUnavailable);
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/config/configuration.go MetricSpec (<c>enabled</c>, default true;
    /// <c>latencyDistributionBuckets</c>, integers in ms) and pkg/runtime/config.go (the views are
    /// registered only when enabled); OpenCensus view.Distribution puts a value equal to a bound in the
    /// next bucket, so <c>le</c> counts the values strictly below it.
    /// </summary>
    [Fact]
    public void The_configuration_turns_the_views_off_or_sets_the_latency_buckets()
    {
        static YamlMappingNode Configuration(string metric)
        {
            var yaml = new YamlStream();
            yaml.Load(new StringReader($"kind: Configuration\nspec:\n  metric:\n{metric}"));
            return (YamlMappingNode)yaml.Documents[0].RootNode;
        }
        var options = SidecarOptions.Parse(["--app-id", "proxy"], _ => null);
        var off = MetricsEndpoint.Create(options, Configuration("    enabled: false\n"));
        var custom = MetricsEndpoint.Create(options, Configuration("    latencyDistributionBuckets: [5, 10]\n"));

        off.StateInvoked("replystore", DaprMetrics.Get, success: true, 5);
        custom.StateInvoked("replystore", DaprMetrics.Get, success: true, 5);
        var lines = Lines(custom.Exposition());

        Assert.Equal("", off.Exposition());
        var labels = "app_id=\"proxy\",component=\"replystore\",namespace=\"\",operation=\"get\",success=\"true\"";
        Assert.Equal([
            $"dapr_component_state_latencies_bucket{{{labels},le=\"5\"}} 0",
            $"dapr_component_state_latencies_bucket{{{labels},le=\"10\"}} 1",
            $"dapr_component_state_latencies_bucket{{{labels},le=\"+Inf\"}} 1",
            $"dapr_component_state_latencies_sum{{{labels}}} 5",
            $"dapr_component_state_latencies_count{{{labels}}} 1",
        ], lines.Where(l => l.StartsWith("dapr_component_state_latencies", StringComparison.Ordinal)));
    }
}
