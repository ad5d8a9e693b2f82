using System.Text.Json;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using TestSidecar.State;

namespace TestSidecar.Api;

/// <summary>
/// daprd's gRPC state API (dapr/dapr pkg/api/grpc/grpc.go GetState, GetBulkState, SaveState,
/// DeleteState): the store looked up (not configured / not found), the key prefixed, the
/// component called under its outbound policy, and its error turned into daprd's status:
/// Aborted for an etag mismatch, InvalidArgument for an invalid etag, Internal otherwise.
/// </summary>
internal sealed partial class DaprGrpcService
{
    public async Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context)
    {
        var store = Store(request.StoreName);
        var key = StoreKey(store, request.Key);
        StateGetResult result;
        try
        {
            result = await state.GetAsync(store, key, context.CancellationToken);
        }
        catch (StateStoreException ex)
        {
            throw DaprApiError.Basic(StatusCode.Internal, 500, "ERR_STATE_GET", $"fail to get {request.Key} from state store {request.StoreName}: {ex.Message}").ToRpcException();
        }
        return new GetStateResponse
        {
            Data = result.Data is null ? ByteString.Empty : ByteString.CopyFrom(result.Data),
            Etag = result.ETag ?? "",
        };
    }

    /// <summary>The component's default BulkGet: every key on its own, a failure reported on its item, never for the call.</summary>
    public async Task<GetBulkStateResponse> GetBulkState(GetBulkStateRequest request, ServerCallContext context)
    {
        var store = Store(request.StoreName);
        var response = new GetBulkStateResponse();
        if (request.Keys.Count == 0)
        {
            return response;
        }
        var keys = request.Keys.Select(k => (Original: k, Stored: StoreKey(store, k))).ToList();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var limit = new SemaphoreSlim(request.Parallelism > 0 ? request.Parallelism : keys.Count);
        var items = await Task.WhenAll(keys.Select(async k =>
        {
            await limit.WaitAsync(context.CancellationToken);
            try
            {
                var result = await store.GetAsync(k.Stored);
                return new BulkStateItem
                {
                    Key = k.Original,
                    Data = result.Data is null ? ByteString.Empty : ByteString.CopyFrom(result.Data),
                    Etag = result.ETag ?? "",
                };
            }
            catch (StateStoreException ex)
            {
                return new BulkStateItem { Key = k.Original, Error = ex.Message };
            }
            finally
            {
                limit.Release();
            }
        }));
        response.Items.AddRange(items);
        // grpc.go GetBulkState: the default BulkGet reports failures on the items, so the call succeeded.
        state.Metrics?.StateInvoked(request.StoreName, Diagnostics.DaprMetrics.BulkGet, success: true, Diagnostics.DaprMetrics.ElapsedMilliseconds(started));
        return response;
    }

    public async Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context)
    {
        var store = Store(request.StoreName);
        if (request.States.Count == 0)
        {
            return new Empty();
        }
        var requests = new List<StateSetRequest>(request.States.Count);
        foreach (var item in request.States)
        {
            if (item.Key.Length == 0)
            {
                throw DaprApiError.Basic(StatusCode.InvalidArgument, 400, "ERR_STATE_SAVE", "state key cannot be empty").ToRpcException();
            }
            var key = StoreKey(store, item.Key);
            var value = item.Value.ToByteArray();
            if (item.Metadata.TryGetValue("contentType", out var contentType) && contentType == "application/json")
            {
                try
                {
                    value = StateValues.Reencode(value);
                }
                catch (JsonException ex)
                {
                    // daprd returns json.Unmarshal's error as it is: a plain error, gRPC Unknown.
                    throw new RpcException(new Status(StatusCode.Unknown, ex.Message));
                }
            }
            requests.Add(new StateSetRequest(key, value, item.Etag?.Value, new Dictionary<string, string>(item.Metadata),
                Concurrency(item.Options?.Concurrency), Consistency(item.Options?.Consistency)));
        }

        try
        {
            await state.SaveAsync(store, requests, context.CancellationToken);
        }
        catch (StateStoreException ex)
        {
            throw DaprApiError.Basic(Code(ex), 500, "ERR_STATE_SAVE", $"failed saving state in state store {request.StoreName}: {ex.Message}").ToRpcException();
        }
        return new Empty();
    }

    public async Task<Empty> DeleteState(DeleteStateRequest request, ServerCallContext context)
    {
        var store = Store(request.StoreName);
        var key = StoreKey(store, request.Key);
        try
        {
            await state.DeleteAsync(store, new StateDeleteRequest(key, request.Etag?.Value, Concurrency(request.Options?.Concurrency), Consistency(request.Options?.Consistency)), context.CancellationToken);
        }
        catch (StateStoreException ex)
        {
            throw DaprApiError.Basic(Code(ex), 500, "ERR_STATE_DELETE", $"failed deleting state with key {request.Key}: {ex.Message}").ToRpcException();
        }
        return new Empty();
    }

    // daprd's GetStateStore over gRPC passes no app id to the error.
    private RedisStateStore Store(string name) =>
        state.Stores.Count == 0 ? throw DaprApiError.StateStoreNotConfigured(name, appId: null).ToRpcException()
        : state.Stores.TryGetValue(name, out var store) ? store
        : throw DaprApiError.StateStoreNotFound(name, appId: null).ToRpcException();

    private static string StoreKey(RedisStateStore store, string key)
    {
        try
        {
            return store.Keys.Modify(key);
        }
        catch (IllegalStateKeyException ex)
        {
            throw DaprApiError.StateKeyIllegal(store.Name, key, ex.Message).ToRpcException();
        }
    }

    // dapr/dapr getStateErrorCode.
    private static StatusCode Code(StateStoreException ex) => ex.ETagKind switch
    {
        ETagErrorKind.Mismatch => StatusCode.Aborted,
        ETagErrorKind.Invalid => StatusCode.InvalidArgument,
        _ => StatusCode.Internal,
    };

    private static string Concurrency(StateOptions.Types.StateConcurrency? concurrency) => concurrency switch
    {
        StateOptions.Types.StateConcurrency.ConcurrencyFirstWrite => "first-write",
        StateOptions.Types.StateConcurrency.ConcurrencyLastWrite => "last-write",
        _ => "",
    };

    private static string Consistency(StateOptions.Types.StateConsistency? consistency) => consistency switch
    {
        StateOptions.Types.StateConsistency.ConsistencyEventual => "eventual",
        StateOptions.Types.StateConsistency.ConsistencyStrong => "strong",
        _ => "",
    };
}
