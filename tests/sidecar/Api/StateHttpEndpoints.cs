using System.Text.Json;
using System.Text.Json.Nodes;
using TestSidecar.Hosting;
using TestSidecar.State;

namespace TestSidecar.Api;

/// <summary>
/// daprd's HTTP state API (dapr/dapr pkg/api/http/http.go onGetState, onPostState, onDeleteState):
/// GET answers 204 for a missing key, else 200 with the stored bytes as application/json and the
/// version in ETag; POST/PUT take the JSON array of {key, value, etag, metadata, options} and
/// <c>metadata.*</c> query parameters; DELETE takes the etag from If-Match. Etag mismatch is 409,
/// an invalid etag 400, any other store error 500.
/// </summary>
internal static class StateHttpEndpoints
{
    public static RouteGroupBuilder MapStateEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/state/{storeName}/{key}", GetAsync);
        api.MapMethods("/state/{storeName}", [HttpMethods.Post, HttpMethods.Put], SaveAsync);
        api.MapDelete("/state/{storeName}/{key}", DeleteAsync);
        return api;
    }

    private static async Task<IResult> GetAsync(string storeName, string key, HttpContext context, StateRuntime state, SidecarOptions options, CancellationToken cancellationToken)
    {
        if (Lookup(state, storeName, options.AppId, out var store) is { } notFound)
        {
            return notFound.ToHttpResult();
        }
        if (StoreKey(store, key, out var storeKey) is { } illegal)
        {
            return illegal.ToHttpResult();
        }
        StateGetResult result;
        try
        {
            result = await state.GetAsync(store, storeKey, cancellationToken);
        }
        catch (StateStoreException ex)
        {
            return DaprApiError.Http(500, "ERR_STATE_GET", $"fail to get {key} from state store {storeName}: {ex.Message}").ToHttpResult();
        }
        if (result.Data is null)
        {
            return Results.NoContent();
        }
        if (result.ETag is { } etag)
        {
            context.Response.Headers.ETag = etag;
        }
        return Results.Bytes(result.Data, "application/json");
    }

    private static async Task<IResult> SaveAsync(string storeName, HttpRequest request, StateRuntime state, SidecarOptions options, CancellationToken cancellationToken)
    {
        if (Lookup(state, storeName, options.AppId, out var store) is { } notFound)
        {
            return notFound.ToHttpResult();
        }
        List<StateSetRequest> requests;
        try
        {
            var body = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
            requests = Parse(body, Metadata(request.Query), store, out var error);
            if (error is not null)
            {
                return error.ToHttpResult();
            }
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return DaprApiError.Http(400, "ERR_MALFORMED_REQUEST", ex.Message).ToHttpResult();
        }
        if (requests.Count == 0)
        {
            return Results.NoContent();
        }
        try
        {
            await state.SaveAsync(store, requests, cancellationToken);
        }
        catch (StateStoreException ex)
        {
            return DaprApiError.Http(Status(ex), "ERR_STATE_SAVE", $"failed saving state in state store {storeName}: {ex.Message}").ToHttpResult();
        }
        return Results.NoContent();
    }

    private static async Task<IResult> DeleteAsync(string storeName, string key, HttpRequest request, StateRuntime state, SidecarOptions options, CancellationToken cancellationToken)
    {
        if (Lookup(state, storeName, options.AppId, out var store) is { } notFound)
        {
            return notFound.ToHttpResult();
        }
        if (StoreKey(store, key, out var storeKey) is { } illegal)
        {
            return illegal.ToHttpResult();
        }
        // An If-Match header, even an empty one, is the etag.
        var etag = request.Headers.TryGetValue("If-Match", out var ifMatch) ? ifMatch.ToString() : null;
        var delete = new StateDeleteRequest(storeKey, etag, request.Query["concurrency"].ToString(), request.Query["consistency"].ToString());
        try
        {
            await state.DeleteAsync(store, delete, cancellationToken);
        }
        catch (StateStoreException ex)
        {
            return DaprApiError.Http(Status(ex), "ERR_STATE_DELETE", $"failed deleting state with key {key}: {ex.Message}").ToHttpResult();
        }
        return Results.NoContent();
    }

    // Go decodes []state.SetRequest with encoding/json: field names match case-insensitively.
    private static List<StateSetRequest> Parse(JsonNode? body, Dictionary<string, string> queryMetadata, RedisStateStore store, out DaprApiError? error)
    {
        error = null;
        var requests = new List<StateSetRequest>();
        if (body is null)
        {
            return requests;
        }
        foreach (var node in body.AsArray())
        {
            if (node is null)
            {
                continue;
            }
            var item = node.AsObject();
            var key = Field(item, "key")?.GetValue<string>() ?? "";
            if (key.Length == 0)
            {
                error = DaprApiError.Http(400, "ERR_MALFORMED_REQUEST", "\"key\" is a required field");
                return requests;
            }
            var metadata = Field(item, "metadata") is JsonObject given
                ? given.ToDictionary(kv => kv.Key, kv => kv.Value?.GetValue<string>() ?? "", StringComparer.Ordinal)
                : [];
            foreach (var (name, value) in queryMetadata)
            {
                metadata[name] = value;
            }
            if (StoreKey(store, key, out var storeKey) is { } illegal)
            {
                error = illegal;
                return requests;
            }
            var stateOptions = Field(item, "options") as JsonObject;
            requests.Add(new StateSetRequest(
                storeKey,
                StateValues.Reencode(Field(item, "value")),
                Field(item, "etag")?.GetValue<string>(),
                metadata,
                (stateOptions is null ? null : Field(stateOptions, "concurrency")?.GetValue<string>()) ?? "",
                (stateOptions is null ? null : Field(stateOptions, "consistency")?.GetValue<string>()) ?? ""));
        }
        return requests;
    }

    private static JsonNode? Field(JsonObject item, string name) =>
        item.FirstOrDefault(kv => kv.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    // daprd's getMetadataFromRequest: "metadata." query parameters, case-sensitive prefix, first value.
    private static Dictionary<string, string> Metadata(IQueryCollection query) =>
        query.Where(q => q.Key.StartsWith("metadata.", StringComparison.Ordinal))
            .ToDictionary(q => q.Key["metadata.".Length..], q => q.Value[0] ?? "", StringComparer.Ordinal);

    // daprd's HTTP getStateStoreWithRequestValidation passes the app id to the error.
    private static DaprApiError? Lookup(StateRuntime state, string name, string appId, out RedisStateStore store)
    {
        store = null!;
        if (state.Stores.Count == 0)
        {
            return DaprApiError.StateStoreNotConfigured(name, appId);
        }
        return state.Stores.TryGetValue(name, out store!) ? null : DaprApiError.StateStoreNotFound(name, appId);
    }

    private static DaprApiError? StoreKey(RedisStateStore store, string key, out string storeKey)
    {
        try
        {
            storeKey = store.Keys.Modify(key);
            return null;
        }
        catch (IllegalStateKeyException ex)
        {
            storeKey = "";
            return DaprApiError.StateKeyIllegal(store.Name, key, ex.Message);
        }
    }

    // dapr/dapr stateErrorResponse / etagError.
    private static int Status(StateStoreException ex) => ex.ETagKind switch
    {
        ETagErrorKind.Mismatch => StatusCodes.Status409Conflict,
        ETagErrorKind.Invalid => StatusCodes.Status400BadRequest,
        _ => StatusCodes.Status500InternalServerError,
    };
}
