using System.Net;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using Grpc.Net.Client;
using DaprProto = Dapr.Client.Autogen.Grpc.v1;

namespace Sidecar.Tests;

public sealed class PublishTests(RedisFixture redis)
{
    private sealed record Order(string OrderId, int Quantity);

    /// <summary>A sidecar on the real components with the two raw ways to publish through it: daprd's own gRPC client (request metadata, any bytes) and HTTP.</summary>
    private sealed class Publisher : IAsyncDisposable
    {
        private readonly SidecarProcess _sidecar;
        private readonly GrpcChannel _channel;

        private Publisher(SidecarProcess sidecar)
        {
            _sidecar = sidecar;
            _channel = GrpcChannel.ForAddress(sidecar.GrpcEndpoint);
            Grpc = new DaprProto.Dapr.DaprClient(_channel);
            Http = new HttpClient { BaseAddress = sidecar.HttpEndpoint };
        }

        public DaprProto.Dapr.DaprClient Grpc { get; }

        public HttpClient Http { get; }

        public static async Task<Publisher> StartAsync(string appId, RedisFixture redis) =>
            new(await Sidecars.StartAsync(appId, Resources.Real(redis.Endpoint)));

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            _channel.Dispose();
            await _sidecar.DisposeAsync();
        }
    }

    private static DaprProto.PublishEventRequest Request(string topic, string data, string? contentType = null, string pubsub = "pubsub")
    {
        var request = new DaprProto.PublishEventRequest { PubsubName = pubsub, Topic = topic, Data = Google.Protobuf.ByteString.CopyFromUtf8(data) };
        if (contentType is not null)
        {
            request.DataContentType = contentType;
        }
        return request;
    }

    /// <summary>The cloud event stored in the topic's one entry.</summary>
    private async Task<JsonElement> StoredEventAsync(string topic) =>
        JsonDocument.Parse((await redis.Db.StreamRangeAsync(topic)).Single()["data"].ToString()).RootElement;

    [Fact]
    public async Task Grpc_publish_is_stored_as_XADD_data_holding_the_daprd_cloud_event()
    {
        redis.Require();
        var topic = Sidecars.NewName("orders");
        await using var sidecar = await Sidecars.StartAsync("ingress", Resources.Real(redis.Endpoint));
        using var client = Sidecars.Client(sidecar);

        await client.PublishEventAsync("pubsub", topic, new Order("o-1", 3), TestContext.Current.CancellationToken);

        var entries = await redis.Db.StreamRangeAsync(topic);
        var entry = Assert.Single(entries);
        Assert.Equal("data", entry.Values[0].Name.ToString());
        var ce = JsonDocument.Parse(entry["data"].ToString()).RootElement;
        Assert.True(Guid.TryParse(ce.GetProperty("id").GetString(), out _));
        Assert.Equal("ingress", ce.GetProperty("source").GetString());
        Assert.Equal("com.dapr.event.sent", ce.GetProperty("type").GetString());
        Assert.Equal("1.0", ce.GetProperty("specversion").GetString());
        Assert.Equal("application/json", ce.GetProperty("datacontenttype").GetString());
        Assert.Equal(topic, ce.GetProperty("topic").GetString());
        Assert.Equal("pubsub", ce.GetProperty("pubsubname").GetString());
        Assert.Equal(JsonValueKind.Object, ce.GetProperty("data").ValueKind);
        Assert.Equal("o-1", ce.GetProperty("data").GetProperty("orderId").GetString());
        Assert.Equal(3, ce.GetProperty("data").GetProperty("quantity").GetInt32());
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", ce.GetProperty("traceparent").GetString());
        Assert.Equal(ce.GetProperty("traceparent").GetString(), ce.GetProperty("traceid").GetString());
        Assert.True(DateTimeOffset.TryParse(ce.GetProperty("time").GetString(), out _));
    }

    [Fact]
    public async Task Grpc_publish_continues_the_callers_trace()
    {
        redis.Require();
        var topic = Sidecars.NewName("traced");
        await using var publisher = await Publisher.StartAsync("ingress", redis);
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

        await publisher.Grpc.PublishEventAsync(
            Request(topic, "{\"a\":1}", "application/json"),
            new Metadata { { "traceparent", $"00-{traceId}-00f067aa0ba902b7-01" } },
            cancellationToken: TestContext.Current.CancellationToken);

        var ce = await StoredEventAsync(topic);
        var traceParent = ce.GetProperty("traceparent").GetString();
        Assert.StartsWith($"00-{traceId}-", traceParent, StringComparison.Ordinal);
        Assert.DoesNotContain("00f067aa0ba902b7", traceParent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publishing_a_cloud_event_keeps_its_fields_and_adds_topic_and_pubsubname()
    {
        redis.Require();
        var topic = Sidecars.NewName("ce");
        await using var publisher = await Publisher.StartAsync("ingress", redis);
        const string ownEvent = """{"id":"my-id","source":"me","type":"my.type","specversion":"1.0","datacontenttype":"application/json","data":{"x":1}}""";

        await publisher.Grpc.PublishEventAsync(Request(topic, ownEvent, "application/cloudevents+json"), cancellationToken: TestContext.Current.CancellationToken);

        var ce = await StoredEventAsync(topic);
        Assert.Equal("my-id", ce.GetProperty("id").GetString());
        Assert.Equal("me", ce.GetProperty("source").GetString());
        Assert.Equal("my.type", ce.GetProperty("type").GetString());
        Assert.Equal(topic, ce.GetProperty("topic").GetString());
        Assert.Equal("pubsub", ce.GetProperty("pubsubname").GetString());
        Assert.True(ce.TryGetProperty("traceparent", out _));
        Assert.True(ce.TryGetProperty("time", out _));
    }

    [Fact]
    public async Task MaxLenApprox_trims_the_stream()
    {
        redis.Require();
        var topic = Sidecars.NewName("trimmed");
        var resources = Resources.Write(redis.Endpoint, new Dictionary<string, string> { ["maxLenApprox"] = "10" });
        await using var sidecar = await Sidecars.StartAsync("ingress", resources);
        using var client = Sidecars.Client(sidecar);

        for (var i = 0; i < 400; i++)
        {
            await client.PublishEventAsync("pubsub", topic, new Order($"o-{i}", i), TestContext.Current.CancellationToken);
        }

        // MAXLEN ~ trims whole macro nodes (100 entries each by default), never below 10.
        var length = await redis.Db.StreamLengthAsync(topic);
        Assert.InRange(length, 10, 200);
    }

    [Fact]
    public async Task Without_maxLenApprox_the_stream_is_not_trimmed()
    {
        redis.Require();
        var topic = Sidecars.NewName("untrimmed");
        await using var sidecar = await Sidecars.StartAsync("ingress", Resources.Write(redis.Endpoint));
        using var client = Sidecars.Client(sidecar);

        for (var i = 0; i < 250; i++)
        {
            await client.PublishEventAsync("pubsub", topic, new Order($"o-{i}", i), TestContext.Current.CancellationToken);
        }

        Assert.Equal(250, await redis.Db.StreamLengthAsync(topic));
    }

    [Fact]
    public async Task Grpc_publish_to_an_unknown_pubsub_fails_with_InvalidArgument()
    {
        redis.Require();
        await using var publisher = await Publisher.StartAsync("ingress", redis);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await publisher.Grpc.PublishEventAsync(Request("t", "{}", pubsub: "nope"), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("pubsub nope is not found", error.Status.Detail);
    }

    [Fact]
    public async Task Http_publish_answers_204_and_404_with_ERR_PUBSUB_NOT_FOUND()
    {
        redis.Require();
        var topic = Sidecars.NewName("http");
        await using var publisher = await Publisher.StartAsync("ingress", redis);

        using var ok = await publisher.Http.PostAsync($"/v1.0/publish/pubsub/{topic}", new StringContent("{\"a\":1}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        using var missing = await publisher.Http.PostAsync("/v1.0/publish/nope/t", new StringContent("{}"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, ok.StatusCode);
        Assert.Equal(1, await redis.Db.StreamLengthAsync(topic));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var body = JsonDocument.Parse(await missing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal("ERR_PUBSUB_NOT_FOUND", body.GetProperty("errorCode").GetString());
        Assert.Equal("pubsub nope is not found", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_component_not_scoped_to_the_app_is_not_loaded()
    {
        redis.Require();
        // components/pubsub.yaml is scoped to ingress and proxy only.
        await using var sidecar = await Sidecars.StartAsync("someone-else", Resources.Real(redis.Endpoint));
        using var client = Sidecars.Client(sidecar);

        var error = await Assert.ThrowsAsync<DaprException>(() => client.PublishEventAsync("pubsub", "t", new Order("o", 1), TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.InvalidArgument, Assert.IsType<RpcException>(error.InnerException).StatusCode);
    }

    [Fact]
    public async Task Grpc_publish_with_rawPayload_stores_the_data_as_sent_with_the_trace_in_metadata()
    {
        redis.Require();
        var topic = Sidecars.NewName("raw");
        await using var publisher = await Publisher.StartAsync("proxy", redis);
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        byte[] payload = [0x00, 0xff, .. "not json {"u8];
        var request = new DaprProto.PublishEventRequest { PubsubName = "pubsub", Topic = topic, Data = Google.Protobuf.ByteString.CopyFrom(payload), DataContentType = "application/json" };
        request.Metadata["rawPayload"] = "true";

        await publisher.Grpc.PublishEventAsync(request, new Metadata { { "traceparent", $"00-{traceId}-00f067aa0ba902b7-01" } }, cancellationToken: TestContext.Current.CancellationToken);

        var entry = Assert.Single(await redis.Db.StreamRangeAsync(topic));
        Assert.Equal(payload, (byte[])entry["data"]!);
        var metadata = JsonDocument.Parse(entry["metadata"].ToString()).RootElement;
        Assert.Equal("true", metadata.GetProperty("rawPayload").GetString());
        Assert.Contains($"-{traceId}-", metadata.GetProperty("traceid").GetString(), StringComparison.Ordinal);
        Assert.True(metadata.TryGetProperty("tracestate", out _));
    }

    [Fact]
    public async Task Http_publish_with_rawPayload_stores_the_body_as_sent()
    {
        redis.Require();
        var topic = Sidecars.NewName("rawhttp");
        await using var publisher = await Publisher.StartAsync("proxy", redis);

        using var response = await publisher.Http.PostAsync($"/v1.0/publish/pubsub/{topic}?metadata.rawPayload=true",
            new StringContent("""{"not":"wrapped"}""", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var entry = Assert.Single(await redis.Db.StreamRangeAsync(topic));
        Assert.Equal("""{"not":"wrapped"}""", entry["data"].ToString());
        var metadata = JsonDocument.Parse(entry["metadata"].ToString()).RootElement;
        Assert.Equal("true", metadata.GetProperty("rawPayload").GetString());
        Assert.False(metadata.TryGetProperty("traceid", out _));
    }

    [Fact]
    public async Task A_rawPayload_that_is_not_a_boolean_is_refused_as_daprd_refuses_it()
    {
        redis.Require();
        var topic = Sidecars.NewName("rawbad");
        await using var publisher = await Publisher.StartAsync("proxy", redis);
        var request = Request(topic, "x");
        request.Metadata["rawPayload"] = "yes";

        var grpc = await Assert.ThrowsAsync<RpcException>(async () => await publisher.Grpc.PublishEventAsync(request, cancellationToken: TestContext.Current.CancellationToken));
        using var response = await publisher.Http.PostAsync($"/v1.0/publish/pubsub/{topic}?metadata.rawPayload=yes", new StringContent("x"), TestContext.Current.CancellationToken);

        Assert.Equal(StatusCode.InvalidArgument, grpc.StatusCode);
        Assert.Equal("failed deserializing metadata. Error: rawPayload value must be a valid boolean: actual is 'yes'", grpc.Status.Detail);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("ERR_PUBSUB_REQUEST_METADATA", JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("errorCode").GetString());
        Assert.Equal(0, await redis.Db.StreamLengthAsync(topic));
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/pubsub/cloudevents.go NewCloudEvent (called by pkg/api/grpc/grpc.go
    /// PublishEvent and pkg/api/http/http.go onPublish): publish metadata <c>cloudevent.*</c> decoded onto the
    /// envelope's fields with mapstructure.WeakDecode (any casing), a traceparent override replacing traceid
    /// too; components-contrib v1.18.4 pubsub/envelope.go NewCloudEventsEnvelope (an empty type falls back to
    /// com.dapr.event.sent, a subject is added only when set). The metadata is stored with the entry as sent.
    /// </summary>
    [Fact]
    public async Task Cloudevent_metadata_overrides_the_envelope_over_grpc_and_http()
    {
        redis.Require();
        var topic = Sidecars.NewName("ceover");
        await using var publisher = await Publisher.StartAsync("ingress", redis);
        const string traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        var request = Request(topic, "{\"a\":1}", "application/json");
        request.Metadata["cloudevent.id"] = "my-id";
        request.Metadata["CloudEvent.Source"] = "my-source";
        request.Metadata["cloudevent.type"] = "";
        request.Metadata["cloudevent.subject"] = "my-subject";
        request.Metadata["cloudevent.traceid"] = "ignored-trace-id";
        request.Metadata["cloudevent.traceparent"] = traceParent;
        request.Metadata["cloudevent.tracestate"] = "k=v";

        await publisher.Grpc.PublishEventAsync(request, cancellationToken: TestContext.Current.CancellationToken);
        using var response = await publisher.Http.PostAsync($"/v1.0/publish/pubsub/{topic}?metadata.cloudevent.id=http-id&metadata.cloudevent.type=my.type&metadata.cloudevent.traceid=http-trace",
            new StringContent("{\"a\":2}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var entries = await redis.Db.StreamRangeAsync(topic);
        var grpc = JsonDocument.Parse(entries[0]["data"].ToString()).RootElement;
        Assert.Equal("my-id", grpc.GetProperty("id").GetString());
        Assert.Equal("my-source", grpc.GetProperty("source").GetString());
        Assert.Equal("com.dapr.event.sent", grpc.GetProperty("type").GetString());
        Assert.Equal("my-subject", grpc.GetProperty("subject").GetString());
        Assert.Equal(traceParent, grpc.GetProperty("traceid").GetString());
        Assert.Equal(traceParent, grpc.GetProperty("traceparent").GetString());
        Assert.Equal("k=v", grpc.GetProperty("tracestate").GetString());
        Assert.Equal("my-id", JsonDocument.Parse(entries[0]["metadata"].ToString()).RootElement.GetProperty("cloudevent.id").GetString());
        var viaHttp = JsonDocument.Parse(entries[1]["data"].ToString()).RootElement;
        Assert.Equal("http-id", viaHttp.GetProperty("id").GetString());
        Assert.Equal("ingress", viaHttp.GetProperty("source").GetString());
        Assert.Equal("my.type", viaHttp.GetProperty("type").GetString());
        Assert.False(viaHttp.TryGetProperty("subject", out _));
        Assert.Equal("http-trace", viaHttp.GetProperty("traceid").GetString());
        Assert.Equal("http-trace", viaHttp.GetProperty("traceparent").GetString());
    }

    /// <summary>
    /// pkg/runtime/pubsub/cloudevents.go NewCloudEvent: data sent as application/cloudevents+json goes through
    /// FromCloudEvent before the overrides are read, so cloudevent.* metadata does not touch it.
    /// </summary>
    [Fact]
    public async Task Cloudevent_metadata_does_not_override_a_published_cloud_event()
    {
        redis.Require();
        var topic = Sidecars.NewName("cekeep");
        await using var publisher = await Publisher.StartAsync("ingress", redis);

        using var response = await publisher.Http.PostAsync($"/v1.0/publish/pubsub/{topic}?metadata.cloudevent.id=override&metadata.cloudevent.source=override",
            new StringContent("""{"id":"own-id","source":"own-source","specversion":"1.0","type":"t","data":{"a":1}}""", System.Text.Encoding.UTF8, "application/cloudevents+json"),
            TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var ce = await StoredEventAsync(topic);
        Assert.Equal("own-id", ce.GetProperty("id").GetString());
        Assert.Equal("own-source", ce.GetProperty("source").GetString());
    }
}
