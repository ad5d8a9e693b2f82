using System.Net;
using System.Text;
using System.Text.Json;
using Dapr.Client;
using Google.Rpc;
using Grpc.Core;
using StackExchange.Redis;

namespace Sidecar.Tests;

/// <summary>
/// The state API against state.redis, through Dapr.Client as the proxy uses it, with the Redis layout
/// checked raw: what the sidecar writes is what daprd + components-contrib would write and read.
/// </summary>
public sealed class StateTests(RedisFixture redis)
{
    private const string Store = "replystore";
    private static readonly Dictionary<string, string> Ttl600 = new() { ["ttlInSeconds"] = "600" };
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(15);

    private sealed record Reply(string RequestId, string City, int TemperatureC);

    private static string NewKey() => "req-" + Guid.NewGuid().ToString("N");

    private static RpcException Rpc(Exception ex) =>
        ex as RpcException ?? ex.InnerException as RpcException ?? throw new InvalidOperationException($"not a gRPC error: {ex}");

    private static ErrorInfo ErrorInfoOf(RpcException ex)
    {
        var details = ex.Trailers.GetValueBytes("grpc-status-details-bin") ?? throw new InvalidOperationException("no grpc-status-details-bin");
        return Google.Rpc.Status.Parser.ParseFrom(details).Details.Single(d => d.Is(ErrorInfo.Descriptor)).Unpack<ErrorInfo>();
    }

    /// <summary>daprd's gRPC error: the status, its message, and the ErrorInfo reason in grpc-status-details-bin.</summary>
    private static void AssertGrpcError(Exception error, StatusCode status, string detail, string reason)
    {
        var rpc = Rpc(error);
        Assert.Equal(status, rpc.StatusCode);
        Assert.Equal(detail, rpc.Status.Detail);
        Assert.Equal(reason, ErrorInfoOf(rpc).Reason);
    }

    private async Task<SidecarProcess> StartProxyAsync(string? redisEndpoint = null) =>
        await Sidecars.StartAsync("proxy", Resources.Real(redisEndpoint ?? redis.Endpoint));

    [Fact]
    public async Task Save_then_get_round_trips_the_value_and_the_etag_is_the_version()
    {
        redis.Require();
        await using var sidecar = await StartProxyAsync();
        using var client = Sidecars.Client(sidecar);
        var key = NewKey();
        var reply = new Reply(key, "Oslo", 7);

        await client.SaveStateAsync(Store, key, reply, metadata: Ttl600, cancellationToken: TestContext.Current.CancellationToken);
        var (first, firstETag) = await client.GetStateAndETagAsync<Reply>(Store, key, cancellationToken: TestContext.Current.CancellationToken);
        await client.SaveStateAsync(Store, key, reply with { TemperatureC = 8 }, metadata: Ttl600, cancellationToken: TestContext.Current.CancellationToken);
        var (second, secondETag) = await client.GetStateAndETagAsync<Reply>(Store, key, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(reply, first);
        Assert.Equal("1", firstETag);
        Assert.Equal(8, second.TemperatureC);
        Assert.Equal("2", secondETag);
    }

    [Fact]
    public async Task Stored_as_a_hash_under_the_app_id_prefix_with_data_version_and_the_requested_ttl()
    {
        redis.Require();
        await using var sidecar = await StartProxyAsync();
        using var client = Sidecars.Client(sidecar);
        var key = NewKey();

        await client.SaveStateAsync(Store, key, new Reply(key, "Bergen", 3), metadata: Ttl600, cancellationToken: TestContext.Current.CancellationToken);

        var hash = (await redis.Db.HashGetAllAsync("proxy||" + key)).ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
        Assert.Equal(["data", "version"], hash.Keys.Order());
        // The SDK's JSON bytes, as sent: camelCase, no envelope.
        Assert.Equal($$"""{"requestId":"{{key}}","city":"Bergen","temperatureC":3}""", hash["data"]);
        Assert.Equal("1", hash["version"]);
        Assert.Equal(RedisType.Hash, await redis.Db.KeyTypeAsync("proxy||" + key));
        Assert.False(await redis.Db.KeyExistsAsync(key));
        var ttl = await redis.Db.KeyTimeToLiveAsync("proxy||" + key);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(600));
    }

    [Fact]
    public async Task Ttl_minus_one_persists_the_key_and_an_invalid_ttl_is_an_error_that_writes_nothing()
    {
        redis.Require();
        await using var sidecar = await StartProxyAsync();
        using var client = Sidecars.Client(sidecar);
        var key = NewKey();
        var other = NewKey();

        await client.SaveStateAsync(Store, key, "v1", metadata: Ttl600, cancellationToken: TestContext.Current.CancellationToken);
        await client.SaveStateAsync(Store, key, "v2", metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "-1" }, cancellationToken: TestContext.Current.CancellationToken);
        var invalid = await Assert.ThrowsAsync<Dapr.DaprException>(() => client.SaveStateAsync(Store, other, "v", metadata: new Dictionary<string, string> { ["ttlInSeconds"] = "ten" }, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Null(await redis.Db.KeyTimeToLiveAsync("proxy||" + key));
        Assert.Equal("2", (string?)await redis.Db.HashGetAsync("proxy||" + key, "version"));
        Assert.Equal(StatusCode.Internal, Rpc(invalid).StatusCode);
        Assert.Equal("failed saving state in state store replystore: failed to parse ttl from metadata: strconv.ParseInt: parsing \"ten\": invalid syntax", Rpc(invalid).Status.Detail);
        Assert.False(await redis.Db.KeyExistsAsync("proxy||" + other));
    }

    [Fact]
    public async Task A_stale_etag_is_aborted_and_the_current_one_saves()
    {
        redis.Require();
        await using var sidecar = await StartProxyAsync();
        using var client = Sidecars.Client(sidecar);
        var key = NewKey();
        await client.SaveStateAsync(Store, key, "v1", cancellationToken: TestContext.Current.CancellationToken);
        await client.SaveStateAsync(Store, key, "v2", cancellationToken: TestContext.Current.CancellationToken);

        var stale = await client.TrySaveStateAsync(Store, key, "stale", "1", cancellationToken: TestContext.Current.CancellationToken);
        var current = await client.TrySaveStateAsync(Store, key, "v3", "2", cancellationToken: TestContext.Current.CancellationToken);
        var invalid = await Assert.ThrowsAsync<Dapr.DaprException>(() => client.TrySaveStateAsync(Store, key, "x", "not-a-number", cancellationToken: TestContext.Current.CancellationToken));
        var (value, etag) = await client.GetStateAndETagAsync<string>(Store, key, cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(stale);
        Assert.True(current);
        Assert.Equal("v3", value);
        Assert.Equal("3", etag);
        AssertGrpcError(invalid, StatusCode.InvalidArgument, "failed saving state in state store replystore: invalid etag value: strconv.Atoi: parsing \"not-a-number\": invalid syntax", "ERR_STATE_SAVE");
    }

    [Fact]
    public async Task An_etag_mismatch_is_grpc_Aborted_with_daprd_message()
    {
        redis.Require();
        await using var sidecar = await StartProxyAsync();
        using var grpc = Grpc.Net.Client.GrpcChannel.ForAddress(sidecar.GrpcEndpoint);
        using var client = Sidecars.Client(sidecar);
        var key = NewKey();
        await client.SaveStateAsync(Store, key, "v1", cancellationToken: TestContext.Current.CancellationToken);

        // Last-write skips the etag check: the save goes through.
        var lastWrite = await client.TrySaveStateAsync(Store, key, "v2", "7", new StateOptions { Concurrency = ConcurrencyMode.LastWrite }, cancellationToken: TestContext.Current.CancellationToken);
        var direct = await Assert.ThrowsAsync<RpcException>(() => RawSaveAsync(grpc, key, "v3", etag: "7"));

        Assert.True(lastWrite);
        Assert.Equal(StatusCode.Aborted, direct.StatusCode);
        Assert.StartsWith($"failed saving state in state store replystore: possible etag mismatch. error from state store: ERR user_script:", direct.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"failed to set key proxy||{key}", direct.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("ERR_STATE_SAVE", ErrorInfoOf(direct).Reason);
        Assert.Equal("2", (string?)await redis.Db.HashGetAsync("proxy||" + key, "version"));
    }

    private static async Task RawSaveAsync(Grpc.Net.Client.GrpcChannel channel, string key, string value, string etag)
    {
        var request = new Dapr.Client.Autogen.Grpc.v1.SaveStateRequest { StoreName = Store };
        request.States.Add(new Dapr.Client.Autogen.Grpc.v1.StateItem
        {
            Key = key,
            Value = Google.Protobuf.ByteString.CopyFromUtf8(JsonSerializer.Serialize(value)),
            Etag = new Dapr.Client.Autogen.Grpc.v1.Etag { Value = etag },
        });
        await new Dapr.Client.Autogen.Grpc.v1.Dapr.DaprClient(channel).SaveStateAsync(request, cancellationToken: TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task First_write_marks_the_key_and_later_saves_need_its_etag()
    {
        redis.Require();
        await using var sidecar = await StartProxyAsync();
        using var client = Sidecars.Client(sidecar);
        var key = NewKey();
        var firstWrite = new StateOptions { Concurrency = ConcurrencyMode.FirstWrite };

        await client.SaveStateAsync(Store, key, "first", firstWrite, cancellationToken: TestContext.Current.CancellationToken);
        var withoutETag = await Assert.ThrowsAsync<Dapr.DaprException>(() => client.SaveStateAsync(Store, key, "second", firstWrite, cancellationToken: TestContext.Current.CancellationToken));
        var lastWriteWithoutETag = await Assert.ThrowsAsync<Dapr.DaprException>(() => client.SaveStateAsync(Store, key, "second", cancellationToken: TestContext.Current.CancellationToken));
        var staleETag = await client.TrySaveStateAsync(Store, key, "second", "5", firstWrite, cancellationToken: TestContext.Current.CancellationToken);
        var rightETag = await client.TrySaveStateAsync(Store, key, "second", "1", firstWrite, cancellationToken: TestContext.Current.CancellationToken);

        // No etag, so no etag error: the component's plain "failed to set key" (Internal).
        Assert.Equal(StatusCode.Internal, Rpc(withoutETag).StatusCode);
        Assert.Contains($"failed to set key proxy||{key}: ERR user_script:", Rpc(withoutETag).Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Internal, Rpc(lastWriteWithoutETag).StatusCode);
        Assert.False(staleETag);
        Assert.True(rightETag);
        Assert.Equal("0", (string?)await redis.Db.HashGetAsync("proxy||" + key, "first-write"));
        Assert.Equal("second", await client.GetStateAsync<string>(Store, key, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Delete_removes_the_key_a_missing_key_reads_empty_and_a_stale_etag_is_refused()
    {
        redis.Require();
        await using var sidecar = await StartProxyAsync();
        using var client = Sidecars.Client(sidecar);
        var key = NewKey();
        var guarded = NewKey();
        await client.SaveStateAsync(Store, key, "v", cancellationToken: TestContext.Current.CancellationToken);
        await client.SaveStateAsync(Store, guarded, "v", cancellationToken: TestContext.Current.CancellationToken);

        await client.DeleteStateAsync(Store, key, cancellationToken: TestContext.Current.CancellationToken);
        var (missing, missingETag) = await client.GetStateAndETagAsync<string>(Store, key, cancellationToken: TestContext.Current.CancellationToken);
        await client.DeleteStateAsync(Store, "never-" + key, cancellationToken: TestContext.Current.CancellationToken);
        var stale = await client.TryDeleteStateAsync(Store, guarded, "9", cancellationToken: TestContext.Current.CancellationToken);
        var stillThere = await redis.Db.KeyExistsAsync("proxy||" + guarded);
        var current = await client.TryDeleteStateAsync(Store, guarded, "1", cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(await redis.Db.KeyExistsAsync("proxy||" + key));
        Assert.Null(missing);
        Assert.Equal("", missingETag);
        Assert.False(stale);
        Assert.True(stillThere);
        Assert.True(current);
        Assert.False(await redis.Db.KeyExistsAsync("proxy||" + guarded));
    }

    [Fact]
    public async Task A_store_not_scoped_to_the_app_is_not_found_as_in_daprd()
    {
        redis.Require();
        await using var sidecar = await Sidecars.StartAsync("ingress", Resources.Real(redis.Endpoint));
        using var client = Sidecars.Client(sidecar);
        using var http = new HttpClient { BaseAddress = sidecar.HttpEndpoint };

        var error = await Assert.ThrowsAsync<Dapr.DaprException>(() => client.GetStateAsync<string>(Store, "k", cancellationToken: TestContext.Current.CancellationToken));
        using var httpGet = await http.GetAsync($"/v1.0/state/{Store}/k", TestContext.Current.CancellationToken);
        var body = JsonDocument.Parse(await httpGet.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        AssertGrpcError(error, StatusCode.InvalidArgument, "state store replystore is not found", "DAPR_STATE_NOT_FOUND");
        var info = ErrorInfoOf(Rpc(error));
        Assert.Equal("dapr.io", info.Domain);
        Assert.Empty(info.Metadata);
        Assert.Equal(HttpStatusCode.BadRequest, httpGet.StatusCode);
        Assert.Equal("ERR_STATE_STORE_NOT_FOUND", body.GetProperty("errorCode").GetString());
        Assert.Equal("state store replystore is not found", body.GetProperty("message").GetString());
        Assert.Equal("ingress", body.GetProperty("details")[0].GetProperty("metadata").GetProperty("appID").GetString());
    }

    [Fact]
    public async Task An_app_without_any_state_store_gets_not_configured()
    {
        redis.Require();
        await using var sidecar = await Sidecars.StartAsync("proxy", Resources.Write(redis.Endpoint));
        using var client = Sidecars.Client(sidecar);

        var error = await Assert.ThrowsAsync<Dapr.DaprException>(() => client.GetStateAsync<string>(Store, "k", cancellationToken: TestContext.Current.CancellationToken));

        AssertGrpcError(error, StatusCode.FailedPrecondition, "state store replystore is not configured", "DAPR_STATE_NOT_CONFIGURED");
    }

    [Fact]
    public async Task A_key_with_the_separator_is_refused_as_an_illegal_key()
    {
        redis.Require();
        await using var sidecar = await StartProxyAsync();
        using var client = Sidecars.Client(sidecar);

        var error = await Assert.ThrowsAsync<Dapr.DaprException>(() => client.SaveStateAsync(Store, "a||b", "v", cancellationToken: TestContext.Current.CancellationToken));

        AssertGrpcError(error, StatusCode.InvalidArgument, "input key/keyPrefix 'a||b' can't contain '||'", "DAPR_STATE_ILLEGAL_KEY");
    }

    [Fact]
    public async Task KeyPrefix_name_none_and_a_literal_prefix_lay_out_keys_as_daprd()
    {
        redis.Require();
        var folder = Directory.CreateTempSubdirectory("sidecar-state-").FullName;
        var yaml = new StringBuilder();
        foreach (var (name, prefix) in new[] { ("by-name", "name"), ("no-prefix", "none"), ("literal", "Shared"), ("by-app", "AppID") })
        {
            yaml.Append($"""
                apiVersion: dapr.io/v1alpha1
                kind: Component
                metadata:
                  name: {name}
                spec:
                  type: state.redis
                  version: v1
                  metadata:
                    - name: redisHost
                      value: {redis.Endpoint}
                    - name: KeyPrefix
                      value: {prefix}
                ---

                """);
        }
        await File.WriteAllTextAsync(Path.Combine(folder, "stores.yaml"), yaml.ToString(), TestContext.Current.CancellationToken);
        await using var sidecar = await Sidecars.StartAsync("proxy", folder);
        using var client = Sidecars.Client(sidecar);
        var key = NewKey();

        foreach (var store in new[] { "by-name", "no-prefix", "literal", "by-app" })
        {
            await client.SaveStateAsync(store, key, store, cancellationToken: TestContext.Current.CancellationToken);
        }

        Assert.Equal("\"by-name\"", (string?)await redis.Db.HashGetAsync("by-name||" + key, "data"));
        Assert.Equal("\"no-prefix\"", (string?)await redis.Db.HashGetAsync(key, "data"));
        // daprd lower-cases the keyPrefix value.
        Assert.Equal("\"literal\"", (string?)await redis.Db.HashGetAsync("shared||" + key, "data"));
        Assert.Equal("\"by-app\"", (string?)await redis.Db.HashGetAsync("proxy||" + key, "data"));
    }

    [Fact]
    public async Task A_value_written_by_daprd_in_the_components_layout_is_read_back()
    {
        redis.Require();
        await using var sidecar = await StartProxyAsync();
        using var client = Sidecars.Client(sidecar);
        var key = NewKey();
        await redis.Db.HashSetAsync("proxy||" + key, [new HashEntry("data", "{\"requestId\":\"r\",\"city\":\"Oslo\",\"temperatureC\":1}"), new HashEntry("version", "41")]);
        await redis.Db.StringSetAsync("proxy||" + key + "-plain", "\"old\"");

        var (value, etag) = await client.GetStateAndETagAsync<Reply>(Store, key, cancellationToken: TestContext.Current.CancellationToken);
        var (plain, plainETag) = await client.GetStateAndETagAsync<string>(Store, key + "-plain", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(new Reply("r", "Oslo", 1), value);
        Assert.Equal("41", etag);
        // A plain string (older layout) is read with GET, without an etag.
        Assert.Equal("old", plain);
        Assert.Equal("", plainETag);
    }

    [Fact]
    public async Task While_redis_is_down_state_calls_fail_at_once_with_daprd_codes()
    {
        redis.Require();
        await using var store = await RedisServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        await using var sidecar = await StartProxyAsync(store.Endpoint);
        using var client = Sidecars.Client(sidecar);
        var key = NewKey();
        await client.SaveStateAsync(Store, key, "v", cancellationToken: TestContext.Current.CancellationToken);

        await store.StopAsync();
        var save = await Assert.ThrowsAnyAsync<Exception>(() => client.SaveStateAsync(Store, key, "w", cancellationToken: TestContext.Current.CancellationToken).WaitAsync(CallTimeout, TestContext.Current.CancellationToken));
        var get = await Assert.ThrowsAnyAsync<Exception>(() => client.GetStateAsync<string>(Store, key, cancellationToken: TestContext.Current.CancellationToken).WaitAsync(CallTimeout, TestContext.Current.CancellationToken));
        var delete = await Assert.ThrowsAnyAsync<Exception>(() => client.DeleteStateAsync(Store, key, cancellationToken: TestContext.Current.CancellationToken).WaitAsync(CallTimeout, TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.Internal, Rpc(save).StatusCode);
        Assert.StartsWith($"failed saving state in state store replystore: failed to set key proxy||{key}: dial tcp {store.Endpoint}: connect: connection refused", Rpc(save).Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.Internal, Rpc(get).StatusCode);
        Assert.Equal($"fail to get {key} from state store replystore: dial tcp {store.Endpoint}: connect: connection refused", Rpc(get).Status.Detail);
        // components-contrib reports every failed delete as an etag mismatch, so daprd answers Aborted.
        Assert.Equal(StatusCode.Aborted, Rpc(delete).StatusCode);

        await store.StartAsync(TestContext.Current.CancellationToken);
        await Sidecars.WaitUntilAsync(async () =>
        {
            try
            {
                await client.SaveStateAsync(Store, key, "back", cancellationToken: TestContext.Current.CancellationToken);
                return true;
            }
            catch (Dapr.DaprException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), "saving to work again once Redis is back");
        Assert.Equal("back", await client.GetStateAsync<string>(Store, key, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Http_state_api_saves_gets_with_etag_header_and_deletes_with_if_match()
    {
        redis.Require();
        await using var sidecar = await StartProxyAsync();
        using var http = new HttpClient { BaseAddress = sidecar.HttpEndpoint };
        var key = NewKey();

        using var saved = await http.PostAsync($"/v1.0/state/{Store}?metadata.ttlInSeconds=600",
            new StringContent($$$"""[{"key":"{{{key}}}","value":{"city":"Oslo","n":1}}]""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        using var got = await http.GetAsync($"/v1.0/state/{Store}/{key}", TestContext.Current.CancellationToken);
        using var missing = await http.GetAsync($"/v1.0/state/{Store}/nothing-{key}", TestContext.Current.CancellationToken);
        using var conflict = await http.PostAsync($"/v1.0/state/{Store}",
            new StringContent($$"""[{"key":"{{key}}","value":"x","etag":"9"}]""", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        using var staleDelete = await http.SendAsync(Delete(key, ifMatch: "9"), TestContext.Current.CancellationToken);
        using var deleted = await http.SendAsync(Delete(key, ifMatch: "1"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, saved.StatusCode);
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal("""{"city":"Oslo","n":1}""", await got.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("1", got.Headers.GetValues("ETag").Single());
        Assert.Equal("application/json", got.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NoContent, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("ERR_STATE_SAVE", JsonDocument.Parse(await conflict.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("errorCode").GetString());
        Assert.Equal(HttpStatusCode.Conflict, staleDelete.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.False(await redis.Db.KeyExistsAsync("proxy||" + key));
    }

    // daprd takes If-Match as it comes: the bare version, not a quoted entity tag.
    private static HttpRequestMessage Delete(string key, string ifMatch)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, $"/v1.0/state/{Store}/{key}");
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return request;
    }

    [Fact]
    public async Task Metadata_lists_the_state_store_capabilities_daprd_reports()
    {
        redis.Require();
        await using var sidecar = await StartProxyAsync();
        using var http = new HttpClient { BaseAddress = sidecar.HttpEndpoint };

        var body = JsonDocument.Parse(await http.GetStringAsync("/v1.0/metadata", TestContext.Current.CancellationToken)).RootElement;

        var store = body.GetProperty("components").EnumerateArray().Single(c => c.GetProperty("name").GetString() == Store);
        Assert.Equal(["ETAG", "TRANSACTIONAL", "TTL", "KEYS_LIKE", "ACTOR"], store.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
    }
}
