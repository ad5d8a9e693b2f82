using System.Net;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Http;
using DaprProto = Dapr.Client.Autogen.Grpc.v1;

namespace Sidecar.Tests;

/// <summary>
/// Topic scopes of a pubsub component: <c>publishingScopes</c>, <c>subscriptionScopes</c>,
/// <c>allowedTopics</c>, <c>protectedTopics</c> (dapr/dapr v1.18.3 pkg/scopes/scopes.go,
/// pkg/runtime/pubsub/adapter.go IsOperationAllowed).
/// </summary>
public sealed class ScopesTests(RedisFixture redis)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<(RpcException? Grpc, HttpResponseMessage Http)> PublishBothWaysAsync(SidecarProcess sidecar, string topic)
    {
        using var channel = GrpcChannel.ForAddress(sidecar.GrpcEndpoint);
        var client = new DaprProto.Dapr.DaprClient(channel);
        RpcException? grpc = null;
        try
        {
            await client.PublishEventAsync(
                new DaprProto.PublishEventRequest { PubsubName = "pubsub", Topic = topic, Data = ByteString.CopyFromUtf8("{\"a\":1}"), DataContentType = "application/json" },
                cancellationToken: Cancel);
        }
        catch (RpcException ex)
        {
            grpc = ex;
        }
        using var http = new HttpClient { BaseAddress = sidecar.HttpEndpoint };
        var response = await http.PostAsync($"/v1.0/publish/pubsub/{topic}", new StringContent("{\"a\":1}", Encoding.UTF8, "application/json"), Cancel);
        return (grpc, response);
    }

    private static Google.Rpc.Status StatusOf(RpcException ex) =>
        Google.Rpc.Status.Parser.ParseFrom(ex.Trailers.GetValueBytes("grpc-status-details-bin") ?? throw new InvalidOperationException("no grpc-status-details-bin"));

    /// <summary>
    /// pkg/runtime/pubsub/publisher/publisher.go Publish (NotAllowedError before the component is called),
    /// pkg/api/grpc/grpc.go PublishEvent and pkg/api/http/http.go onPublish (mapped by
    /// pkg/api/errors/pubsub.go PublishForbidden: PermissionDenied / 403, ERR_PUBSUB_FORBIDDEN,
    /// DAPR_PUBSUB_FORBIDDEN, a ResourceInfo and the topic and error in the ErrorInfo metadata).
    /// </summary>
    [Fact]
    public async Task Publishing_outside_the_apps_publishingScopes_is_forbidden_over_grpc_and_http()
    {
        redis.Require();
        var allowed = Sidecars.NewName("pubok");
        var denied = Sidecars.NewName("pubno");
        var resources = Resources.Write(redis.Endpoint, new Dictionary<string, string> { ["publishingScopes"] = $"ingress={allowed}; proxy={denied}" });
        await using var sidecar = await Sidecars.StartAsync("ingress", resources);

        var (okGrpc, okHttp) = await PublishBothWaysAsync(sidecar, allowed);
        var (grpc, http) = await PublishBothWaysAsync(sidecar, denied);

        Assert.Null(okGrpc);
        Assert.Equal(HttpStatusCode.NoContent, okHttp.StatusCode);
        Assert.Equal(2, await redis.Db.StreamLengthAsync(allowed));
        var message = $"topic {denied} is not allowed for app id ingress";
        Assert.NotNull(grpc);
        Assert.Equal(StatusCode.PermissionDenied, grpc.StatusCode);
        Assert.Equal(message, grpc.Status.Detail);
        var details = StatusOf(grpc).Details;
        var resource = details.Single(d => d.Is(ResourceInfo.Descriptor)).Unpack<ResourceInfo>();
        Assert.Equal(("pubsub", "pubsub", message), (resource.ResourceType, resource.ResourceName, resource.Description));
        var info = details.Single(d => d.Is(ErrorInfo.Descriptor)).Unpack<ErrorInfo>();
        Assert.Equal("DAPR_PUBSUB_FORBIDDEN", info.Reason);
        Assert.Equal(denied, info.Metadata["topic"]);
        Assert.Equal(message, info.Metadata["error"]);
        Assert.Equal(HttpStatusCode.Forbidden, http.StatusCode);
        var body = JsonDocument.Parse(await http.Content.ReadAsStringAsync(Cancel)).RootElement;
        Assert.Equal("ERR_PUBSUB_FORBIDDEN", body.GetProperty("errorCode").GetString());
        Assert.Equal(message, body.GetProperty("message").GetString());
        Assert.False(await redis.Db.KeyExistsAsync(denied));
        okHttp.Dispose();
        http.Dispose();
    }

    /// <summary>
    /// pkg/runtime/pubsub/adapter.go IsOperationAllowed: an app with no entry in the scope list may use any
    /// topic that is not protected; a protected topic needs the app's own entry; allowedTopics, when set,
    /// bounds every app, scopes or not (pkg/scopes/scopes.go: keys match ignoring case).
    /// </summary>
    [Fact]
    public async Task Protected_and_allowed_topics_bound_apps_without_a_scope_entry()
    {
        redis.Require();
        var free = Sidecars.NewName("free");
        var guarded = Sidecars.NewName("guard");
        var outside = Sidecars.NewName("outside");
        var resources = Resources.Write(redis.Endpoint, new Dictionary<string, string>
        {
            ["PublishingScopes"] = $"proxy={guarded}",
            ["protectedtopics"] = guarded,
            ["allowedTopics"] = $"{free},{guarded}",
        });
        await using var ingress = await Sidecars.StartAsync("ingress", resources);
        await using var proxy = await Sidecars.StartAsync("proxy", resources);

        var (freeError, freeHttp) = await PublishBothWaysAsync(ingress, free);
        var (guardedError, guardedHttp) = await PublishBothWaysAsync(ingress, guarded);
        var (outsideError, outsideHttp) = await PublishBothWaysAsync(ingress, outside);
        var (proxyGuardedError, _) = await PublishBothWaysAsync(proxy, guarded);
        var (proxyFreeError, _) = await PublishBothWaysAsync(proxy, free);

        Assert.Null(freeError);
        Assert.Equal(HttpStatusCode.NoContent, freeHttp.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, guardedError?.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, guardedHttp.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, outsideError?.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, outsideHttp.StatusCode);
        Assert.Null(proxyGuardedError);
        // The proxy has a scope list now, and it does not name the free topic.
        Assert.Equal(StatusCode.PermissionDenied, proxyFreeError?.StatusCode);
        Assert.Equal(2, await redis.Db.StreamLengthAsync(free));
        Assert.Equal(2, await redis.Db.StreamLengthAsync(guarded));
        Assert.False(await redis.Db.KeyExistsAsync(outside));
    }

    /// <summary>
    /// pkg/runtime/subscription/subscription.go New (refused before the component subscribes: no consumer
    /// group) and pkg/runtime/processor/subscriber/subscriber.go StartAppSubscriptions / retrySubscription
    /// (logged, then retried in the background forever, failing each time); the metadata API still lists
    /// the app's subscription (pkg/runtime/compstore/subscriptions.go ListTypedSubscriptions).
    /// </summary>
    [Fact]
    public async Task A_subscription_outside_subscriptionScopes_is_not_made()
    {
        redis.Require();
        var allowed = Sidecars.NewName("subok");
        var denied = Sidecars.NewName("subno");
        var resources = Resources.Write(redis.Endpoint, new Dictionary<string, string> { ["subscriptionScopes"] = $"proxy={allowed}" });
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(allowed, "/ok"), Sidecars.Subscription(denied, "/no")], (_, _) => Task.FromResult(Results.Ok()));
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);

        await redis.Db.StreamAddAsync(denied, "data", """{"id":"e1","specversion":"1.0","type":"t","source":"s","data":"x"}""");
        await sidecar.WaitForOutputAsync($"Retry failed for subscription pubsub pubsub, topic {denied}", Wait, Cancel);

        Assert.Equal("proxy", Assert.Single(await redis.Db.StreamGroupInfoAsync(allowed)).Name);
        Assert.Empty(await redis.Db.StreamGroupInfoAsync(denied));
        Assert.Contains(sidecar.Output, l => l.Contains($"Failed to start subscription for pubsub pubsub, topic {denied}: subscription to topic '{denied}' on pubsub 'pubsub' is not allowed", StringComparison.Ordinal));
        Assert.Empty(app.Deliveries);
        using var http = new HttpClient { BaseAddress = sidecar.HttpEndpoint };
        var metadata = JsonDocument.Parse(await http.GetStringAsync("/v1.0/metadata", Cancel)).RootElement;
        var listed = metadata.GetProperty("subscriptions").EnumerateArray().Select(s => s.GetProperty("topic").GetString()!);
        Assert.Equal(new[] { allowed, denied }.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// pkg/runtime/subscription/subscription.go sendToDeadLetter publishes through the publisher
    /// (pkg/runtime/pubsub/publisher/publisher.go), so the dead-letter topic must be in the app's
    /// publishingScopes; refused, the error goes back to the component, which acknowledges the entry
    /// (components-contrib v1.18.4 pubsub/redis/redis.go processMessage).
    /// </summary>
    [Fact]
    public async Task A_dead_letter_topic_outside_publishingScopes_is_refused()
    {
        redis.Require();
        var topic = Sidecars.NewName("dlscope");
        var deadLetter = topic + "-dlq";
        var resources = Resources.Write(redis.Endpoint, new Dictionary<string, string> { ["publishingScopes"] = "proxy=weather-responses" });
        await using var app = await TestApp.StartAsync([Sidecars.Subscription(topic, "/in", deadLetter)], (_, _) => Task.FromResult(Results.StatusCode(500)));
        await using var sidecar = await Sidecars.StartAsync("proxy", resources, app.Port);

        await redis.Db.StreamAddAsync(topic, "data", """{"id":"e1","specversion":"1.0","type":"t","source":"s","data":"x"}""");
        await sidecar.WaitForOutputAsync($"topic {deadLetter} is not allowed for app id proxy", Wait, Cancel);
        await Sidecars.WaitUntilAsync(async () => (await redis.Db.StreamPendingAsync(topic, "proxy")).PendingMessageCount == 0, Wait, "XACK");

        Assert.Single(app.Deliveries);
        Assert.False(await redis.Db.KeyExistsAsync(deadLetter));
    }
}
