using NSubstitute;
using RedisStreamDemo.Proxy.Requests;
using RedisStreamDemo.ServiceDefaults;

namespace Proxy.Tests;

// Direct correlation: the reply goes to the topic the request names, but only to a weather-responses topic.
public sealed class ReplyTopicTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reply_goes_to_the_replica_reply_topic_the_request_names()
    {
        await using var proxy = new ProxyHarness();

        var response = await proxy.Handler.HandleAsync(TestData.Request() with { ReplyTopic = "weather-responses.ingress-0" }, Ct);

        Assert.Equal(TopicResponse.Success, response);
        await proxy.ReplyPublished(1, topic: "weather-responses.ingress-0");
        await proxy.ReplyPublished(0);
    }

    [Fact]
    public async Task Redelivered_request_republishes_to_the_same_reply_topic()
    {
        await using var proxy = new ProxyHarness();
        var request = TestData.Request() with { ReplyTopic = "weather-responses.ingress-0" };

        await proxy.Handler.HandleAsync(request, Ct);
        await proxy.Handler.HandleAsync(request, Ct);

        await proxy.ReplyPublished(2, topic: "weather-responses.ingress-0");
        Assert.Equal(1, proxy.ProcessedByTerminals);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("weather-responses")]
    [InlineData("weather-requests")]
    [InlineData("weather-requests-deadletter")]
    [InlineData("weather-responses.")]
    [InlineData("weather-responses.Ingress-0")]
    [InlineData("weather-responses.ingress_0")]
    [InlineData("weather-responses.a.b")]
    [InlineData("weather-responses.ingress-0\n")]
    [InlineData("other.weather-responses.ingress-0")]
    public async Task Reply_goes_to_weather_responses_unless_the_request_names_a_valid_replica_topic(string? replyTopic)
    {
        await using var proxy = new ProxyHarness();

        await proxy.Handler.HandleAsync(TestData.Request() with { ReplyTopic = replyTopic }, Ct);

        await proxy.ReplyPublished(1);
        Assert.Single(proxy.Dapr.ReceivedCalls(), call => call.GetMethodInfo().Name == nameof(Dapr.Client.DaprClient.PublishEventAsync));
    }

    [Fact]
    public void Request_without_reply_topic_serialises_as_before_direct_mode_existed() =>
        Assert.DoesNotContain("replyTopic", System.Text.Json.JsonSerializer.Serialize(TestData.Request(), System.Text.Json.JsonSerializerOptions.Web), StringComparison.Ordinal);

    [Fact]
    public void Replica_ids_are_at_most_63_characters()
    {
        Assert.True(DaprNames.Topics.IsReplyTopic(DaprNames.Topics.ReplyTopicPrefix + new string('a', 63)));
        Assert.False(DaprNames.Topics.IsReplyTopic(DaprNames.Topics.ReplyTopicPrefix + new string('a', 64)));
        Assert.Throws<ArgumentException>(() => DaprNames.Topics.ReplyTopicFor("Not valid"));
    }
}
