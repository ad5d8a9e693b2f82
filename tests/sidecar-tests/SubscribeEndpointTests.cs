using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Sidecar.Tests;

/// <summary>
/// What daprd makes of the app's GET /dapr/subscribe answer: dapr/dapr v1.18.3
/// pkg/runtime/pubsub/subscriptions.go GetSubscriptionsHTTP, called once from
/// pkg/runtime/processor/subscriber/subscriber.go initProgrammaticSubscriptions (hasInitProg is set
/// before the call: an answer, whatever it is, is never asked for again).
/// </summary>
public sealed class SubscribeEndpointTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static Task<IResult> Ok(AppRequest request, int attempt) => Task.FromResult(Results.Ok());

    private static Task<TestApp> AppAnsweringAsync(Func<IResult> answer) => TestApp.StartAsync([], Ok, subscribeAnswer: answer);

    private Task<SidecarProcess> SidecarForAsync(TestApp app) => Sidecars.StartAsync("proxy", Resources.Real(redis.Endpoint), app.Port);

    private static async Task<JsonElement> MetadataAsync(SidecarProcess sidecar)
    {
        using var http = new HttpClient { BaseAddress = sidecar.HttpEndpoint };
        return JsonDocument.Parse(await http.GetStringAsync("/v1.0/metadata", Cancel)).RootElement;
    }

    private static string Entry(string topic, string route = "/in") => $$"""{"pubsubname":"pubsub","topic":"{{topic}}","route":"{{route}}"}""";

    /// <summary>
    /// GetSubscriptionsHTTP: only 200 is read; 404 is "user app did not subscribe to any topic"; any other
    /// status, a 2xx such as 201 or 204 included, is logged ("app returned http status code N from
    /// subscription endpoint") and means no subscriptions, with no retry (the resiliency runner retries
    /// only a failed call, and the HTTP channel returns a status as an answer, not an error).
    /// </summary>
    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(201)]
    [InlineData(204)]
    [InlineData(404)]
    public async Task Any_status_but_200_means_no_subscriptions_and_is_not_retried(int status)
    {
        redis.Require();
        var topic = Sidecars.NewName("substatus");
        await using var app = await AppAnsweringAsync(() => status == 204 ? Results.NoContent() : Results.Text($"[{Entry(topic)}]", "application/json", statusCode: status));
        await using var sidecar = await SidecarForAsync(app);

        var metadata = await MetadataAsync(sidecar);

        Assert.False(metadata.TryGetProperty("subscriptions", out _));
        Assert.False(await redis.Db.KeyExistsAsync(topic));
        Assert.Single(app.Requests, r => r.Path == "/dapr/subscribe");
        if (status != 404)
        {
            Assert.Contains(sidecar.Output, l => l.Contains($"app returned http status code {status} from subscription endpoint", StringComparison.Ordinal));
        }
    }

    /// <summary>
    /// GetSubscriptionsHTTP: a 200 whose body json.Decoder cannot decode into []SubscriptionJSON is logged
    /// ("error getting topics from app: ...") and returned as an error: no subscriptions at all, none retried;
    /// an empty body (io.EOF) and <c>null</c> are no subscriptions without an error.
    /// </summary>
    [Theory]
    [InlineData("<html>oops</html>", true)]
    [InlineData("""{"pubsubname":"pubsub","topic":"t","route":"/in"}""", true)]
    [InlineData("""[{"pubsubname":"pubsub","topic":42,"route":"/in"}]""", true)]
    [InlineData("""[{"pubsubname":"pubsub","topic":"t","route":"/in","metadata":{"rawPayload":true}}]""", true)]
    [InlineData("", false)]
    [InlineData("null", false)]
    public async Task A_200_that_does_not_decode_means_no_subscriptions(string body, bool logged)
    {
        redis.Require();
        await using var app = await AppAnsweringAsync(() => Results.Text(body, "application/json"));
        await using var sidecar = await SidecarForAsync(app);

        var metadata = await MetadataAsync(sidecar);

        Assert.False(metadata.TryGetProperty("subscriptions", out _));
        Assert.Single(app.Requests, r => r.Path == "/dapr/subscribe");
        Assert.Equal(logged, sidecar.Output.Any(l => l.Contains("error getting topics from app: ", StringComparison.Ordinal)));
    }

    /// <summary>
    /// Go's encoding/json: field names match ignoring case, unknown fields are ignored, and json.Decoder
    /// reads only the first value (what follows it is never read). pubsub/subscriptions.go: routes.default
    /// wins over route; filterSubscriptions drops an entry with no route at all ("topic T has an empty
    /// routes. removing from subscriptions list").
    /// </summary>
    [Fact]
    public async Task Names_match_ignoring_case_and_an_entry_without_a_route_is_dropped()
    {
        redis.Require();
        var routed = Sidecars.NewName("subcase");
        var routeless = Sidecars.NewName("subnone");
        var body = $$"""[{"PUBSUBNAME":"pubsub","Topic":"{{routed}}","ROUTE":"/ignored","Routes":{"Default":"/in"},"extra":1},{"pubsubname":"pubsub","topic":"{{routeless}}"}] and then some""";
        await using var app = await AppAnsweringAsync(() => Results.Text(body, "application/json"));
        await using var sidecar = await SidecarForAsync(app);

        await redis.Db.StreamAddAsync(routed, "data", """{"id":"e1","specversion":"1.0","type":"t","source":"s","data":"x"}""");
        var delivery = (await app.WaitForDeliveriesAsync(1, Wait)).Single();

        Assert.Equal("/in", delivery.Path);
        Assert.False(await redis.Db.KeyExistsAsync(routeless));
        Assert.Contains(sidecar.Output, l => l.Contains($"topic {routeless} has an empty routes. removing from subscriptions list", StringComparison.Ordinal));
        var listed = (await MetadataAsync(sidecar)).GetProperty("subscriptions").EnumerateArray().Select(s => s.GetProperty("topic").GetString());
        Assert.Equal([routed], listed);
    }
}
