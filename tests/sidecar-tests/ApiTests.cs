using System.Net;
using System.Text.Json;
using Dapr.Client;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Sidecar.Tests;

public sealed class ApiTests(RedisFixture redis)
{
    [Fact]
    public async Task DAPR_API_TOKEN_is_required_on_the_http_api_except_health()
    {
        redis.Require();
        await using var sidecar = await Sidecars.StartAsync("ingress", Resources.Real(redis.Endpoint), environment: new Dictionary<string, string> { ["DAPR_API_TOKEN"] = "api-secret" });
        using var http = new HttpClient { BaseAddress = sidecar.HttpEndpoint };

        using var without = await http.GetAsync("/v1.0/metadata", TestContext.Current.CancellationToken);
        using var health = await http.GetAsync("/v1.0/healthz", TestContext.Current.CancellationToken);
        using var outbound = await http.GetAsync("/v1.0/healthz/outbound", TestContext.Current.CancellationToken);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1.0/metadata") { Headers = { { "dapr-api-token", "api-secret" } } };
        using var with = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, health.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, outbound.StatusCode);
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
    }

    [Fact]
    public async Task DAPR_API_TOKEN_is_required_on_the_grpc_api()
    {
        redis.Require();
        await using var sidecar = await Sidecars.StartAsync("ingress", Resources.Real(redis.Endpoint), environment: new Dictionary<string, string> { ["DAPR_API_TOKEN"] = "api-secret" });
        using var anonymous = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint.ToString()).Build();
        using var authorised = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint.ToString()).UseDaprApiToken("api-secret").Build();

        var error = await Assert.ThrowsAsync<Dapr.DaprException>(() => anonymous.PublishEventAsync("pubsub", "tokens", new { a = 1 }, TestContext.Current.CancellationToken));
        await authorised.PublishEventAsync("pubsub", "tokens", new { a = 1 }, TestContext.Current.CancellationToken);

        Assert.Equal(StatusCode.Unauthenticated, Assert.IsType<RpcException>(error.InnerException).StatusCode);
    }

    [Fact]
    public async Task Metadata_lists_app_id_components_and_subscriptions()
    {
        redis.Require();
        var topic = Sidecars.NewName("meta");
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", topic + "-dlq")], (_, _) => Task.FromResult(Results.Ok()));
        await using var sidecar = await Sidecars.StartAsync("ingress", Resources.Real(redis.Endpoint), app.Port, ["--app-max-concurrency", "3"]);
        using var http = new HttpClient { BaseAddress = sidecar.HttpEndpoint };

        var body = JsonDocument.Parse(await http.GetStringAsync("/v1.0/metadata", TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal("ingress", body.GetProperty("id").GetString());
        var components = body.GetProperty("components").EnumerateArray().Select(c => (c.GetProperty("name").GetString(), c.GetProperty("type").GetString(), c.GetProperty("version").GetString())).ToList();
        Assert.Contains(("pubsub", "pubsub.redis", "v1"), components);
        Assert.Contains(("statestore", "state.redis", "v1"), components);
        var subscription = Assert.Single(body.GetProperty("subscriptions").EnumerateArray());
        Assert.Equal("pubsub", subscription.GetProperty("pubsubname").GetString());
        Assert.Equal(topic, subscription.GetProperty("topic").GetString());
        Assert.Equal(topic + "-dlq", subscription.GetProperty("deadLetterTopic").GetString());
        Assert.Equal("/in", subscription.GetProperty("rules")[0].GetProperty("path").GetString());
        Assert.Equal(app.Port, body.GetProperty("appConnectionProperties").GetProperty("port").GetInt32());
        Assert.Equal(3, body.GetProperty("appConnectionProperties").GetProperty("maxConcurrency").GetInt32());
    }

    [Fact]
    public async Task Healthz_waits_for_the_app_and_its_subscriptions()
    {
        TestSupport.SidecarUnderTest.Current.SkipIfUnavailable();
        redis.Require();
        var appPort = TestSupport.FreePort.Next();
        var args = new List<string> { "--app-id", "proxy", "--resources-path", Resources.Real(redis.Endpoint), "--app-port", appPort.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var startup = TestSupport.SidecarProcess.StartAsync(args, readyTimeout: TimeSpan.FromSeconds(30), cancellationToken: TestContext.Current.CancellationToken);

        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        Assert.False(startup.IsCompleted, "the sidecar reported healthy before its app listened");

        await using var app = await TestApp.StartAsync([], (_, _) => Task.FromResult(Results.Ok()), appPort);
        await using var sidecar = await startup;
        Assert.Contains(app.Requests, r => r.Path == "/dapr/subscribe");
    }

    [Fact]
    public async Task Other_dapr_grpc_methods_answer_unimplemented()
    {
        redis.Require();
        await using var sidecar = await Sidecars.StartAsync("ingress", Resources.Real(redis.Endpoint));
        using var client = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint.ToString()).Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.GetSecretAsync("secretstore", "key", cancellationToken: TestContext.Current.CancellationToken));

        var rpc = Assert.IsType<RpcException>(error is RpcException ? error : error.InnerException);
        Assert.Equal(StatusCode.Unimplemented, rpc.StatusCode);
    }
}
