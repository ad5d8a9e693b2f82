using System.Net;
using System.Text.Json;
using StackExchange.Redis;

namespace EndToEnd.Tests.Scenarios;

[Collection(nameof(DefaultWorkflowStack))]
public sealed class WorkflowModeRequestReplyTests(DefaultWorkflowStack system) : RequestReplyScenarios(system);

[Collection(nameof(DefaultDirectStack))]
public sealed class DirectModeRequestReplyTests(DefaultDirectStack system) : RequestReplyScenarios(system);

public abstract class RequestReplyScenarios(StackFixture system)
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    [Fact(Timeout = 60_000)]
    public async Task A_request_gets_its_reply_with_forecasts_from_a_terminal()
    {
        var city = CityNames.Unique("Reply");

        using var response = await system.Ingress.PostCityAsync(city, location: "e2e");

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}{Environment.NewLine}{system.Diagnostics()}");
        var reply = await IngressClient.ReadReplyAsync(response);
        Assert.Equal(city, reply.City);
        Assert.Equal("e2e", reply.Location);
        Assert.True(Guid.TryParseExact(reply.RequestId, "N", out _), reply.RequestId);
        Assert.NotEmpty(reply.Forecasts);
        Assert.False(string.IsNullOrWhiteSpace(reply.Terminal));
    }

    [Fact(Timeout = 60_000)]
    public async Task The_request_travels_as_a_cloud_event_in_the_weather_requests_stream_read_by_the_proxy_group()
    {
        var reply = await system.Ingress.ForecastAsync(CityNames.Unique("Stream"), ReplyTimeout);

        var entry = Assert.Single(await Streams.ForRequestAsync(system.Redis, DaprNames.Topics.WeatherRequests, reply.RequestId));
        var cloudEvent = entry.CloudEvent;
        Assert.Equal("1.0", cloudEvent.GetProperty("specversion").GetString());
        Assert.Equal("com.dapr.event.sent", cloudEvent.GetProperty("type").GetString());
        Assert.Equal(DaprNames.AppIds.Ingress, cloudEvent.GetProperty("source").GetString());
        Assert.Equal(DaprNames.Topics.WeatherRequests, cloudEvent.GetProperty("topic").GetString());
        Assert.Equal(DaprNames.PubSub, cloudEvent.GetProperty("pubsubname").GetString());
        Assert.Equal(reply.City, cloudEvent.GetProperty("data").GetProperty("city").GetString());
        Assert.False(string.IsNullOrEmpty(cloudEvent.GetProperty("id").GetString()));

        var groups = await system.Redis.StreamGroupInfoAsync(DaprNames.Topics.WeatherRequests);
        Assert.Contains(groups, g => g.Name == DaprNames.AppIds.Proxy);
        // Workflow mode: no replyTopic, the reply goes to weather-responses. Direct mode: the request
        // names this replica's own reply topic, and weather-responses never sees the reply.
        var replyTopic = await system.ReplyTopicOfAsync(reply.RequestId);
        Assert.Equal(system.Mode == CorrelationMode.Direct, cloudEvent.GetProperty("data").TryGetProperty("replyTopic", out _));
        var replies = await system.Redis.StreamGroupInfoAsync(replyTopic);
        Assert.Contains(replies, g => g.Name == DaprNames.AppIds.Ingress);
        Assert.Single(await Streams.ForRequestAsync(system.Redis, replyTopic, reply.RequestId));
        if (system.Mode == CorrelationMode.Direct)
        {
            Assert.Empty(await Streams.ForRequestAsync(system.Redis, DaprNames.Topics.WeatherResponses, reply.RequestId));
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Two_hundred_concurrent_requests_each_get_their_own_reply()
    {
        var cities = Enumerable.Range(0, 200).Select(i => CityNames.Named(i, "Concurrent")).ToList();

        var replies = await Task.WhenAll(cities.Select(city => system.Ingress.ForecastAsync(city, TimeSpan.FromSeconds(90))));

        for (var i = 0; i < cities.Count; i++)
        {
            Assert.Equal(cities[i], replies[i].City);
        }
        Assert.Equal(cities.Count, replies.Select(r => r.RequestId).Distinct().Count());
        // Each reply is the one the proxy published for that request id.
        var published = (await Streams.ReadAllAsync(system.Redis, await system.ReplyTopicOfAsync(replies[0].RequestId)))
            .GroupBy(e => e.RequestId ?? "")
            .ToDictionary(g => g.Key, g => g.First().CloudEvent.GetProperty("data").GetProperty("city").GetString());
        Assert.All(replies, reply => Assert.Equal(reply.City, published[reply.RequestId]));
    }

    [Fact(Timeout = 90_000)]
    public async Task A_request_delivered_twice_is_processed_once_and_the_ingress_ignores_the_second_reply()
    {
        var reply = await system.Ingress.ForecastAsync(CityNames.Unique("Twice"), ReplyTimeout);
        var original = Assert.Single(await Streams.ForRequestAsync(system.Redis, DaprNames.Topics.WeatherRequests, reply.RequestId));
        var replyTopic = await system.ReplyTopicOfAsync(reply.RequestId);
        var processedBefore = (await Telemetry.TerminalsAsync(system.Http, system.Proxy)).Processed;
        var proxyDuplicatesBefore = await PrometheusText.SumAsync(system.Http, system.Proxy, "proxy_requests_duplicate_total");
        var ingressDuplicatesBefore = await PrometheusText.SumAsync(system.Http, system.Ingress.BaseUrl, "ingress_replies_received_total", "result=\"duplicate\"");

        // At-least-once delivery, forced: the very same CloudEvent a second time (in direct mode with
        // its replyTopic, so the remembered reply goes back to this replica, which still knows the request).
        await system.Redis.StreamAddAsync(DaprNames.Topics.WeatherRequests, "data", original.Data);

        // The proxy answers the redelivery from its reply store: a second reply, no second processing.
        await Eventually.Until(
            async () => await PrometheusText.SumAsync(system.Http, system.Proxy, "proxy_requests_duplicate_total") - proxyDuplicatesBefore,
            seen => seen >= 1,
            TimeSpan.FromSeconds(30),
            "the proxy counting the redelivery as a duplicate",
            system.Diagnostics);
        var republished = await Eventually.Until(
            () => Streams.ForRequestAsync(system.Redis, replyTopic, reply.RequestId),
            entries => entries.Count >= 2,
            TimeSpan.FromSeconds(30),
            "the remembered reply re-published");
        await Eventually.Until(
            async () => await PrometheusText.SumAsync(system.Http, system.Ingress.BaseUrl, "ingress_replies_received_total", "result=\"duplicate\"") - ingressDuplicatesBefore,
            seen => seen >= 1,
            TimeSpan.FromSeconds(30),
            "the ingress counting the second reply as a duplicate",
            system.Diagnostics);

        Assert.Equal(processedBefore, (await Telemetry.TerminalsAsync(system.Http, system.Proxy)).Processed);
        Assert.Equal(2, republished.Count);
        var data = republished.Select(e => e.CloudEvent.GetProperty("data"));
        Assert.All(data, d => Assert.Equal(reply.Terminal, d.GetProperty("terminal").GetString()));
        // The user still sees the first and only answer.
        var status = await system.Ingress.ReplyAtAsync(system.Ingress.StatusUrl(reply.RequestId), ReplyTimeout);
        Assert.Equal(reply.Terminal, status.Terminal);
        Assert.Equal(reply.ProcessedAt, status.ProcessedAt);
    }
}
