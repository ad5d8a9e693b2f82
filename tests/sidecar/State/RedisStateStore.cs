using System.Globalization;
using StackExchange.Redis;
using TestSidecar.Resources;

namespace TestSidecar.State;

internal sealed record StateGetResult(byte[]? Data, string? ETag)
{
    public static readonly StateGetResult Missing = new(null, null);
}

/// <summary>A component-level set: Key is the store key (prefix applied), Concurrency/Consistency as daprd's strings ("" when unset).</summary>
internal sealed record StateSetRequest(string Key, byte[] Value, string? ETag, IReadOnlyDictionary<string, string> Metadata, string Concurrency = "", string Consistency = "")
{
    public bool HasETag => !string.IsNullOrEmpty(ETag);
}

/// <summary>One operation of a transaction: an upsert, or a delete when <see cref="Value"/> is null. A null etag is daprd's "none" ("0").</summary>
internal sealed record StateOperation(string Key, byte[]? Value, string? ETag = null);

internal sealed record StateDeleteRequest(string Key, string? ETag, string Concurrency = "", string Consistency = "")
{
    public bool HasETag => !string.IsNullOrEmpty(ETag);
}

/// <summary>
/// components-contrib state.redis (v1, no RedisJSON module), storing exactly what the Go component
/// stores so a real daprd reads it back: one HASH per key with fields <c>data</c> (the value bytes)
/// and <c>version</c> (HINCRBY on every write, returned as the etag), plus <c>first-write</c> once a
/// first-write save created or took over the key. The conditional write and delete run as Lua
/// scripts with the component's rules (written here from its behaviour):
/// <list type="bullet">
/// <item>save: allowed when the key has no version (absent, or not a hash: then it is replaced), the
/// version is empty or equals the request's etag, or the request carries no etag ("0") and the key was
/// never written first-write. After a first-write save every later save needs the matching etag.</item>
/// <item>delete: allowed when the key has no version, the etag matches, or no etag was given.</item>
/// </list>
/// A TTL (request metadata <c>ttlInSeconds</c>, else the component's) above zero is an EXPIRE after
/// the write, zero or below a PERSIST. Errors carry go-redis' text where the client differs.
/// </summary>
internal sealed class RedisStateStore(string name, string host, long? defaultTtl, StateKeys keys, ConnectionMultiplexer connection) : IAsyncDisposable
{
    // KEYS[1] store key; ARGV[1] expected version ("0" = none), ARGV[2] data, ARGV[3] "0" for first-write.
    private const string SaveScript = """
        local key = KEYS[1]
        local current = redis.pcall("HGET", key, "version")
        if type(current) == "table" then
          redis.call("DEL", key)
          current = false
        end
        local guarded = redis.call("HEXISTS", key, "first-write") == 1
        if current and current ~= "" and current ~= ARGV[1] and (guarded or ARGV[1] ~= "0") then
          error("failed to set key " .. key)
        end
        redis.call("HSET", key, "data", ARGV[2])
        if ARGV[3] == "0" then
          redis.call("HSET", key, "first-write", 0)
        end
        return redis.call("HINCRBY", key, "version", 1)
        """;

    // KEYS[1] store key; ARGV[1] expected version ("0" = none).
    private const string DeleteScript = """
        local key = KEYS[1]
        local current = redis.pcall("HGET", key, "version")
        if type(current) ~= "table" and current and current ~= "" and ARGV[1] ~= "0" and current ~= ARGV[1] then
          error("failed to delete " .. key)
        end
        return redis.call("DEL", key)
        """;

    public string Name { get; } = name;

    public StateKeys Keys { get; } = keys;

    private IDatabase Db => connection.GetDatabase();

    /// <summary>The component's Init: metadata, then a connection that answers PING, else the sidecar stops.</summary>
    public static async Task<RedisStateStore> ConnectAsync(ComponentResource component, string appId, string @namespace)
    {
        var host = component.Metadata.GetValueOrDefault("redisHost") is { Length: > 0 } h ? h : throw new InvalidOperationException($"component {component.Name}: redisHost is required");
        long? defaultTtl = null;
        if (component.Metadata.GetValueOrDefault("ttlInSeconds") is { Length: > 0 } ttl)
        {
            defaultTtl = long.TryParse(ttl, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var seconds)
                ? seconds
                : throw new InvalidOperationException($"component {component.Name}: ttlInSeconds '{ttl}' is not an integer");
        }
        StateKeys keys;
        try
        {
            keys = StateKeys.For(component.Name, component.Metadata, appId, @namespace);
        }
        catch (IllegalStateKeyException ex)
        {
            throw new InvalidOperationException($"component {component.Name}: failed to save lock keyprefix: {ex.Message}");
        }

        var config = ConfigurationOptions.Parse(host);
        config.Password = component.Metadata.GetValueOrDefault("redisPassword") is { Length: > 0 } p ? p : null;
        if (component.Metadata.GetValueOrDefault("redisDB") is { Length: > 0 } db)
        {
            config.DefaultDatabase = int.Parse(db, CultureInfo.InvariantCulture);
        }
        config.AbortOnConnectFail = false;
        config.ConnectTimeout = 5000;
        // go-redis' read timeout, and no queueing of commands while the connection is down: the caller
        // gets the error at once, as from go-redis' dial.
        config.AsyncTimeout = 3000;
        config.SyncTimeout = 3000;
        config.BacklogPolicy = BacklogPolicy.FailFast;
        var connection = await ConnectionMultiplexer.ConnectAsync(config);
        try
        {
            if (!connection.IsConnected)
            {
                throw new InvalidOperationException($"redis store: error connecting to redis at {host}: dial tcp {host}: connect: connection refused");
            }
            await connection.GetDatabase().PingAsync();
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
        return new RedisStateStore(component.Name, host, defaultTtl, keys, connection);
    }

    public async Task<StateGetResult> GetAsync(string key)
    {
        RedisResult hash;
        try
        {
            hash = await CallAsync(db => db.ExecuteAsync("HGETALL", key));
        }
        catch (StateStoreException)
        {
            // The component falls back to a plain GET on any HGETALL error (values written by old
            // Dapr versions as strings); a connection error then comes from the GET.
            return await DirectGetAsync(key);
        }
        if (hash.IsNull || hash.Length == 0)
        {
            return StateGetResult.Missing;
        }
        var fields = (RedisResult[])hash!;
        byte[]? data = null;
        string? version = null;
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            switch ((string?)fields[i])
            {
                case "data":
                    data = (byte[]?)fields[i + 1] ?? [];
                    break;
                case "version":
                    version = (string?)fields[i + 1] ?? "";
                    break;
            }
        }
        if (data is null || version is null)
        {
            throw new StateStoreException("required hash field 'data' or 'version' was not found");
        }
        return new StateGetResult(data, version);
    }

    private async Task<StateGetResult> DirectGetAsync(string key)
    {
        var value = await CallAsync(db => db.StringGetAsync(key));
        return value.IsNull ? StateGetResult.Missing : new StateGetResult((byte[]?)value ?? [], null);
    }

    public async Task SetAsync(StateSetRequest request)
    {
        CheckOptions(request.Concurrency, request.Consistency);
        var expected = 0L;
        if (request.Concurrency != "last-write" && request.HasETag && !GoStrconv.TryParseInt("Atoi", request.ETag!, out expected, out var etagError))
        {
            throw StateStoreException.ETag(ETagErrorKind.Invalid, etagError);
        }
        var ttl = defaultTtl;
        if (request.Metadata.TryGetValue("ttlInSeconds", out var ttlText) && ttlText.Length > 0)
        {
            ttl = GoStrconv.TryParseInt("ParseInt", ttlText, out var seconds, out var ttlError)
                ? seconds
                : throw new StateStoreException("failed to parse ttl from metadata: " + ttlError);
        }
        var firstWrite = request.Concurrency == "first-write" ? "0" : "1";

        try
        {
            await CallAsync(db => db.ExecuteAsync("EVAL", SaveScript, 1, request.Key, expected.ToString(CultureInfo.InvariantCulture), request.Value, firstWrite));
        }
        catch (StateStoreException ex)
        {
            // The component calls any failed write with an etag a mismatch, a lost connection included.
            throw request.HasETag ? StateStoreException.ETag(ETagErrorKind.Mismatch, ex.Message) : new StateStoreException($"failed to set key {request.Key}: {ex.Message}");
        }

        if (ttl > 0)
        {
            await WrapAsync(db => db.ExecuteAsync("EXPIRE", request.Key, ttl.Value), $"failed to set key {request.Key} ttl: ");
        }
        else if (ttl is not null)
        {
            await WrapAsync(db => db.ExecuteAsync("PERSIST", request.Key), $"failed to persist key {request.Key}: ");
        }
    }

    public async Task DeleteAsync(StateDeleteRequest request)
    {
        CheckOptions(request.Concurrency, request.Consistency);
        try
        {
            await CallAsync(db => db.ExecuteAsync("EVAL", DeleteScript, 1, request.Key, request.HasETag ? request.ETag! : "0"));
        }
        catch (StateStoreException ex)
        {
            // Every failed delete is reported as an etag mismatch by the component.
            throw StateStoreException.ETag(ETagErrorKind.Mismatch, ex.Message);
        }
    }

    /// <summary>
    /// components-contrib state.redis Multi (the actor state store's only write path): one MULTI/EXEC
    /// of the same save and delete scripts, an etag on an operation checked inside it, no first-write.
    /// Redis has no rollback: when one script fails, the others in the EXEC are applied all the same,
    /// and the caller gets that script's error.
    /// </summary>
    public async Task TransactAsync(IReadOnlyList<StateOperation> operations)
    {
        if (!connection.IsConnected)
        {
            throw new StateStoreException($"dial tcp {host}: connect: connection refused");
        }
        var transaction = Db.CreateTransaction();
        var results = new List<Task<RedisResult>>(operations.Count);
        foreach (var operation in operations)
        {
            var etag = string.IsNullOrEmpty(operation.ETag) ? "0" : operation.ETag;
            results.Add(operation.Value is null
                ? transaction.ScriptEvaluateAsync(DeleteScript, [operation.Key], [etag])
                : transaction.ScriptEvaluateAsync(SaveScript, [operation.Key], [etag, operation.Value, "1"]));
            if (operation.Value is not null && defaultTtl > 0)
            {
                results.Add(transaction.ExecuteAsync("EXPIRE", operation.Key, defaultTtl.Value));
            }
        }
        await CallAsync(_ => transaction.ExecuteAsync());
        foreach (var result in results)
        {
            try
            {
                await result;
            }
            catch (RedisServerException ex)
            {
                throw new StateStoreException(ex.Message);
            }
            catch (TaskCanceledException)
            {
                throw new StateStoreException($"read tcp {host}: i/o timeout");
            }
        }
    }

    /// <summary>Every key matching <paramref name="pattern"/> (SCAN; daprd's KeysLike for actor state).</summary>
    public async Task<IReadOnlyList<string>> ScanAsync(string pattern)
    {
        var keys = new List<string>();
        await CallAsync(async db =>
        {
            var server = connection.GetServers()[0];
            await foreach (var key in server.KeysAsync(db.Database, pattern, pageSize: 1000))
            {
                keys.Add(key.ToString());
            }
            return keys.Count;
        });
        return keys;
    }

    // components-contrib state.CheckRequestOptions.
    private static void CheckOptions(string concurrency, string consistency)
    {
        if (consistency is not ("" or "strong" or "eventual"))
        {
            throw new StateStoreException($"unrecognized consistency model '{consistency}'");
        }
        if (concurrency is not ("" or "first-write" or "last-write"))
        {
            throw new StateStoreException($"unrecognized concurrency model '{concurrency}'");
        }
    }

    private async Task WrapAsync(Func<IDatabase, Task<RedisResult>> call, string prefix)
    {
        try
        {
            await CallAsync(call);
        }
        catch (StateStoreException ex)
        {
            throw new StateStoreException(prefix + ex.Message);
        }
    }

    /// <summary>One Redis call, its failure turned into the text go-redis would give.</summary>
    private async Task<T> CallAsync<T>(Func<IDatabase, Task<T>> call)
    {
        if (!connection.IsConnected)
        {
            throw new StateStoreException($"dial tcp {host}: connect: connection refused");
        }
        try
        {
            return await call(Db);
        }
        catch (RedisServerException ex)
        {
            throw new StateStoreException(ex.Message);
        }
        catch (RedisTimeoutException)
        {
            throw new StateStoreException($"read tcp {host}: i/o timeout");
        }
        catch (RedisConnectionException)
        {
            throw new StateStoreException($"dial tcp {host}: connect: connection refused");
        }
    }

    public ValueTask DisposeAsync() => connection.DisposeAsync();
}
