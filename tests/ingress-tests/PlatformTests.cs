using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json;
using Dapr.Workflow;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using RedisStreamDemo.Ingress.Telemetry;
using RedisStreamDemo.Ingress.Workflows;
using TestSupport;

namespace Ingress.Tests;

// What the sidecar and tooling see: the subscription list, CloudEvent delivery and the OpenAPI document.
public sealed class PlatformTests : IAsyncDisposable
{
    private readonly IngressFactory factory = new();

    public ValueTask DisposeAsync() => factory.DisposeAsync();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    // Since Dapr 1.17 pubsub.redis acknowledges a delivery whose retries ran out: without a
    // dead-letter topic such a reply would be gone and its client would wait for a 504.
    [Fact]
    public async Task Dapr_subscribe_lists_the_weather_responses_topic_with_its_dead_letter_topic_and_that_topic()
    {
        var json = await factory.CreateClient().GetStringAsync("/dapr/subscribe", Cancellation);

        // Dapr.AspNetCore writes "pubsubName" and a relative route; daprd reads both.
        var subscriptions = JsonSerializer.Deserialize<Subscription[]>(json, JsonSerializerOptions.Web)!.OrderBy(s => s.Topic, StringComparer.Ordinal).ToList();
        Assert.Equal([DaprNames.Topics.WeatherResponses, DaprNames.Topics.WeatherResponsesDeadLetter], subscriptions.Select(s => s.Topic));
        Assert.All(subscriptions, subscription => Assert.Equal(DaprNames.PubSub, subscription.PubSubName));
        Assert.Equal(DaprNames.Routes.WeatherResponses.TrimStart('/'), subscriptions[0].Route.TrimStart('/'));
        Assert.Equal(DaprNames.Topics.WeatherResponsesDeadLetter, subscriptions[0].DeadLetterTopic);
        Assert.Equal(DaprNames.Routes.WeatherResponsesDeadLetter.TrimStart('/'), subscriptions[1].Route.TrimStart('/'));
        Assert.Null(subscriptions[1].DeadLetterTopic);
    }

    private sealed record Subscription(string PubSubName, string Topic, string Route, string? DeadLetterTopic);

    [Fact]
    public async Task A_reply_from_the_dead_letter_topic_still_completes_its_workflow_and_is_counted_apart()
    {
        var id = Replies.NewId();
        factory.Workflows.GetWorkflowStateAsync(id, false, Arg.Any<CancellationToken>()).Returns(WorkflowStates.Running());
        var client = factory.CreateClient();
        // Only this host's meter (its scope is the host's IMeterFactory): other test classes' hosts in
        // this process have meters of the same name, which the /metrics scrape would show as well.
        var counted = new ConcurrentQueue<(string Instrument, string? Result, long Value)>();
        var scope = factory.Services.GetRequiredService<IMeterFactory>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == IngressTelemetry.Name && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var result = tags.ToArray().FirstOrDefault(t => t.Key == "result").Value?.ToString();
            counted.Enqueue((instrument.Name, result, value));
        });
        listener.Start();

        var response = await client.PostAsync(
            DaprNames.Routes.WeatherResponsesDeadLetter,
            new StringContent(JsonSerializer.Serialize(Replies.For(id), JsonSerializerOptions.Web), Encoding.UTF8, "application/json"),
            Cancellation);

        Assert.Equal("SUCCESS", (await response.ReadJsonAsync()).GetProperty("status").GetString());
        await factory.Workflows.Received(1).RaiseEventAsync(
            id, ForecastWorkflow.ReplyEventName, Arg.Any<object>(), Arg.Any<CancellationToken>());
        Assert.Equal(1, counted.Where(m => m.Instrument == "ingress.replies.deadlettered" && m.Result == "success").Sum(m => m.Value));
        Assert.Equal(0, counted.Where(m => m.Instrument == "ingress.replies.received").Sum(m => m.Value));
    }

    [Fact]
    public async Task Reply_delivered_as_a_cloud_event_is_raised_on_its_workflow()
    {
        var id = Replies.NewId();
        factory.Workflows.GetWorkflowStateAsync(id, false, Arg.Any<CancellationToken>()).Returns(WorkflowStates.Running());
        var envelope = JsonSerializer.Serialize(new
        {
            specversion = "1.0",
            id = Guid.NewGuid().ToString(),
            source = DaprNames.AppIds.Proxy,
            type = "com.dapr.event.sent",
            datacontenttype = "application/json",
            pubsubname = DaprNames.PubSub,
            topic = DaprNames.Topics.WeatherResponses,
            data = Replies.For(id),
        }, JsonSerializerOptions.Web);

        var response = await factory.CreateClient().PostAsync(
            DaprNames.Routes.WeatherResponses,
            new StringContent(envelope, Encoding.UTF8, "application/cloudevents+json"),
            Cancellation);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("SUCCESS", (await response.ReadJsonAsync()).GetProperty("status").GetString());
        await factory.Workflows.Received(1).RaiseEventAsync(
            id, ForecastWorkflow.ReplyEventName, Arg.Any<object>(), Arg.Any<CancellationToken>());
    }

    // dapr.yaml runs the ingress as Development, deployments as Production. The reply route carries
    // weather-responses in workflow mode and this replica's weather-responses.<replica> in direct mode;
    // both modes also subscribe the replies' dead-letter topic.
    public static TheoryData<string, string, string> DeliveryRoutes()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var environment in new[] { "Development", "Production" })
        {
            foreach (var mode in new[] { "Workflow", "Direct" })
            {
                data.Add(environment, mode, DaprNames.Routes.WeatherResponses);
                data.Add(environment, mode, DaprNames.Routes.WeatherResponsesDeadLetter);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(DeliveryRoutes))]
    public async Task A_reply_delivery_that_is_a_malformed_cloud_event_gets_400_problem_json(string environment, string mode, string route)
    {
        await using var ingress = new IngressFactory()
            .With("Correlation:Mode", mode)
            .With("Correlation:ReplicaId", "replica-1");
        await using var host = ingress.WithWebHostBuilder(builder => builder.UseEnvironment(environment));
        using var client = host.CreateClient();
        // Asked for HTML, as a browser asks, the developer exception page would answer with its HTML page.
        using var request = new HttpRequestMessage(HttpMethod.Post, route)
        {
            Content = new StringContent("not json", Encoding.UTF8, "application/cloudevents+json"),
        };
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await client.SendAsync(request, Cancellation);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.ReadProblemAsync();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.False(problem.TryGetProperty("exception", out _), problem.ToString());
        Assert.Empty(ingress.Workflows.ReceivedCalls());
        Assert.Empty(ingress.Dapr.ReceivedCalls());
    }

    [Fact]
    public async Task OpenApi_document_describes_the_forecast_api_and_its_status_codes()
    {
        var json = await factory.CreateClient().GetStringAsync("/swagger/v1/swagger.json", Cancellation);

        var paths = JsonDocument.Parse(json).RootElement.GetProperty("paths");
        var post = paths.GetProperty(PublicRoutes.City).GetProperty("post");
        var codes = post.GetProperty("responses").EnumerateObject().Select(response => response.Name).ToList();
        Assert.Superset(new HashSet<string> { "200", "202", "400", "413", "415", "429", "503", "504" }, codes.ToHashSet());
        Assert.True(post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").TryGetProperty("example", out _));
        Assert.True(paths.TryGetProperty(PublicRoutes.RequestTemplate, out _));
        Assert.False(paths.TryGetProperty(DaprNames.Routes.WeatherResponses, out _));
    }

    [Fact]
    public async Task OpenApi_document_passes_the_Redocly_recommended_rules()
    {
        var document = await factory.CreateClient().GetStringAsync("/swagger/v1/swagger.json", Cancellation);

        var lint = await OpenApiLint.RunAsync(document, "ingress", Cancellation);

        Assert.True(lint.Clean, lint.Report);
    }

    [Fact]
    public async Task A_fresh_ingress_exports_its_counters_at_zero()
    {
        var client = factory.CreateClient();

        var metrics = await client.GetStringAsync("/metrics", Cancellation);

        var notAtZero = PrometheusText.NotAtZero(metrics,
        [
            ("ingress_requests_total", "outcome=\"overloaded\""),
            ("ingress_requests_total", "outcome=\"rate_limited\""),
            ("ingress_replies_received_total", "result=\"duplicate\""),
            ("ingress_workflows_purged_total", ""),
        ]);

        Assert.True(notAtZero.Count == 0, $"not at 0: {string.Join(", ", notAtZero)} in /metrics:\n{metrics}");
    }

    [Fact]
    public async Task Metrics_endpoint_exposes_the_ingress_instruments()
    {
        var client = factory.CreateClient();
        await client.PostCityAsync("""{"city": "1"}""");

        var metrics = await client.GetStringAsync("/metrics", Cancellation);

        Assert.Contains("ingress_requests_total", metrics, StringComparison.Ordinal);
    }
}
