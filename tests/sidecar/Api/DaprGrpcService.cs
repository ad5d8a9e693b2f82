using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using TestSidecar.PubSub;
using TestSidecar.State;

namespace TestSidecar.Api;

/// <summary>
/// The part of daprd's gRPC API the apps use: dapr.proto.runtime.v1.Dapr/PublishEvent and the state
/// methods (DaprGrpcService.State.cs). Dapr.Protos ships only the client stub, so the methods are
/// bound by hand (see <see cref="DaprGrpcMethodProvider"/>); every other method of the service
/// answers Unimplemented.
/// </summary>
internal sealed partial class DaprGrpcService(PubSubRuntime pubsub, StateRuntime state)
{
    public async Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.PubsubName))
        {
            throw DaprApiError.PubSubNameEmpty().ToRpcException();
        }
        if (!pubsub.Components.ContainsKey(request.PubsubName))
        {
            throw DaprApiError.PubSubNotFound(request.PubsubName).ToRpcException();
        }
        if (string.IsNullOrEmpty(request.Topic))
        {
            throw DaprApiError.TopicEmpty(request.PubsubName).ToRpcException();
        }

        var trace = TraceContext.FromGrpcCaller(context.RequestHeaders);
        Dictionary<string, string>? metadata = request.Metadata.Count > 0 ? new Dictionary<string, string>(request.Metadata) : null;
        bool raw;
        try
        {
            raw = CloudEvents.IsRawPayload(metadata);
        }
        catch (FormatException ex)
        {
            throw DaprApiError.MetadataDeserialize(ex.Message).ToRpcException();
        }
        if (raw && metadata is not null)
        {
            // With no envelope to carry it, daprd's gRPC API passes its span in the publish metadata.
            metadata["traceid"] = trace.TraceParent;
            metadata["tracestate"] = trace.TraceState;
        }
        try
        {
            await pubsub.PublishEventAsync(request.PubsubName, request.Topic, request.Data.ToByteArray(), request.DataContentType, metadata, trace, context.CancellationToken);
        }
        catch (PubSubForbiddenException ex)
        {
            throw DaprApiError.PublishForbidden(request.PubsubName, request.Topic, pubsub.AppId, ex.Message).ToRpcException();
        }
        catch (Exception ex) when (ex is not RpcException and not OperationCanceledException)
        {
            throw DaprApiError.PublishFailed(request.PubsubName, request.Topic, ex.Message).ToRpcException();
        }
        return new Empty();
    }
}

internal sealed class DaprGrpcMethodProvider : IServiceMethodProvider<DaprGrpcService>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<DaprGrpcService> context)
    {
        context.AddUnaryMethod(Unary<PublishEventRequest, Empty>("PublishEvent", PublishEventRequest.Parser, Empty.Parser), [], (service, request, call) => service.PublishEvent(request, call));
        context.AddUnaryMethod(Unary<GetStateRequest, GetStateResponse>("GetState", GetStateRequest.Parser, GetStateResponse.Parser), [], (service, request, call) => service.GetState(request, call));
        context.AddUnaryMethod(Unary<GetBulkStateRequest, GetBulkStateResponse>("GetBulkState", GetBulkStateRequest.Parser, GetBulkStateResponse.Parser), [], (service, request, call) => service.GetBulkState(request, call));
        context.AddUnaryMethod(Unary<SaveStateRequest, Empty>("SaveState", SaveStateRequest.Parser, Empty.Parser), [], (service, request, call) => service.SaveState(request, call));
        context.AddUnaryMethod(Unary<DeleteStateRequest, Empty>("DeleteState", DeleteStateRequest.Parser, Empty.Parser), [], (service, request, call) => service.DeleteState(request, call));
    }

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(string name, MessageParser<TRequest> requestParser, MessageParser<TResponse> responseParser)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse> =>
        new(MethodType.Unary, "dapr.proto.runtime.v1.Dapr", name,
            Marshallers.Create(m => m.ToByteArray(), requestParser.ParseFrom),
            Marshallers.Create(m => m.ToByteArray(), responseParser.ParseFrom));
}
