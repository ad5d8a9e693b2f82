using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TestSupport;

namespace Ingress.Tests;

// The same HTTP API with Correlation:Mode=Direct: no workflow client involved, the request published
// by the ingress itself and its reply delivered to this replica's own topic.
public sealed class DirectApiTests : IAsyncDisposable
{
    private const string ReplyTopic = "weather-responses.replica-1";

    private readonly IngressFactory factory = new IngressFactory()
        .With("Correlation:Mode", "Direct")
        .With("Correlation:ReplicaId", "replica-1")
        .With("Forecasts:ReplyWait", "00:00:05");

    private readonly TaskCompletionSource<WeatherRequest> published = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DirectApiTests()
    {
        factory.Dapr.PublishEventAsync(
                DaprNames.PubSub, DaprNames.Topics.WeatherRequests, Arg.Do<WeatherRequest>(r => published.TrySetResult(r)),
                Arg.Any<Dictionary<string, string>>(), Arg.Any<CancellationToken>())
            .Returns(Task.CompletedTask);
    }

    public ValueTask DisposeAsync() => factory.DisposeAsync();

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Dapr_subscribe_lists_the_replica_reply_topic_on_the_reply_route_and_the_shared_dead_letter_topic()
    {
        var json = await factory.CreateClient().GetStringAsync("/dapr/subscribe", Cancellation);

        var subscriptions = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        Assert.Equal(2, subscriptions.Count);
        var reply = Assert.Single(subscriptions, s => s.GetProperty("topic").GetString() == ReplyTopic);
        Assert.Equal(DaprNames.Routes.WeatherResponses.TrimStart('/'), reply.GetProperty("route").GetString()?.TrimStart('/'));
        Assert.Equal(DaprNames.Topics.WeatherResponsesDeadLetter, reply.GetProperty("deadLetterTopic").GetString());
        Assert.Single(subscriptions, s => s.GetProperty("topic").GetString() == DaprNames.Topics.WeatherResponsesDeadLetter);
    }

    [Fact]
    public async Task Post_answered_within_the_wait_returns_200_with_the_reply()
    {
        var client = factory.CreateClient();

        var post = client.PostCityAsync("""{"city": "Oslo"}""");
        var request = await published.Task.WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
        Assert.Equal(ReplyTopic, request.ReplyTopic);
        Assert.Equal("SUCCESS", await DeliverAsync(client, Replies.For(request.RequestId, "Oslo")));
        var response = await post;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await response.Content.ReadFromJsonAsync<WeatherReply>(Cancellation);
        Assert.Equal(request.RequestId, reply?.RequestId);
        Assert.Empty(factory.Workflows.ReceivedCalls());
    }

    [Fact]
    public async Task Post_preferring_respond_async_returns_202_then_status_202_then_200_once_answered()
    {
        var client = factory.CreateClient();
        using var message = new HttpRequestMessage(HttpMethod.Post, PublicRoutes.City) { Content = HttpHelpers.Json("""{"city": "Bergen"}""") };
        message.Headers.Add("Prefer", "respond-async");

        var accepted = await client.SendAsync(message, Cancellation);
        var status = accepted.Headers.Location?.OriginalString;

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.GetAsync(status, Cancellation)).StatusCode);
        var request = await published.Task.WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
        await DeliverAsync(client, Replies.For(request.RequestId, "Bergen"));
        var answered = await client.GetAsync(status, Cancellation);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("Bergen", (await answered.ReadJsonAsync()).GetProperty("city").GetString());
    }

    [Fact]
    public async Task Post_whose_deadline_passes_within_the_wait_returns_504_and_so_does_its_status()
    {
        factory.With("Correlation:ReplyDeadline", "00:00:01");
        var client = factory.CreateClient();

        var response = await client.PostCityAsync("""{"city": "Oslo"}""");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("No reply in time", (await response.ReadProblemAsync()).GetProperty("title").GetString());
        var request = await published.Task.WaitAsync(TimeSpan.FromSeconds(10), Cancellation);
        var status = await client.GetAsync(PublicRoutes.Request(request.RequestId), Cancellation);
        Assert.Equal(HttpStatusCode.GatewayTimeout, status.StatusCode);
    }

    [Fact]
    public async Task Reply_for_an_unknown_request_is_dropped_and_counted()
    {
        var client = factory.CreateClient();

        Assert.Equal("DROP", await DeliverAsync(client, Replies.For(Replies.NewId())));

        var metrics = await client.GetStringAsync("/metrics", Cancellation);
        Assert.Contains("ingress_replies_received_total{otel_scope_name=\"RedisStreamDemo.Ingress\",result=\"drop\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_of_a_request_this_replica_never_took_returns_404()
    {
        var response = await factory.CreateClient().GetAsync(PublicRoutes.Request(Replies.NewId()), Cancellation);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Post_when_the_sidecar_refuses_the_publish_returns_503()
    {
        factory.Dapr.PublishEventAsync(
                DaprNames.PubSub, DaprNames.Topics.WeatherRequests, Arg.Any<WeatherRequest>(),
                Arg.Any<Dictionary<string, string>>(), Arg.Any<CancellationToken>())
            .Returns(Task.FromException(new Dapr.DaprException("publish failed")));

        var response = await factory.CreateClient().PostCityAsync("""{"city": "Oslo"}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    private static async Task<string> DeliverAsync(HttpClient client, WeatherReply reply)
    {
        var response = await client.PostAsJsonAsync(DaprNames.Routes.WeatherResponses, reply, JsonSerializerOptions.Web, Cancellation);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.ReadJsonAsync()).GetProperty("status").GetString() ?? "";
    }
}
