using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using TestSidecar.PubSub;

namespace TestSidecar.Api;

/// <summary>
/// The part of daprd's gRPC API the apps use: dapr.proto.runtime.v1.Dapr/PublishEvent. Dapr.Protos
/// ships only the client stub, so the method is bound by hand (see <see cref="DaprGrpcMethodProvider"/>);
/// every other method of the service answers Unimplemented.
/// </summary>
internal sealed class DaprGrpcService(PubSubRuntime pubsub)
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
        catch (Exception ex) when (ex is not RpcException and not OperationCanceledException)
        {
            throw DaprApiError.PublishFailed(request.PubsubName, request.Topic, ex.Message).ToRpcException();
        }
        return new Empty();
    }
}

internal sealed class DaprGrpcMethodProvider : IServiceMethodProvider<DaprGrpcService>
{
    private static readonly Method<PublishEventRequest, Empty> PublishEvent = new(
        MethodType.Unary,
        "dapr.proto.runtime.v1.Dapr",
        "PublishEvent",
        Marshallers.Create(m => m.ToByteArray(), PublishEventRequest.Parser.ParseFrom),
        Marshallers.Create(m => m.ToByteArray(), Empty.Parser.ParseFrom));

    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<DaprGrpcService> context) =>
        context.AddUnaryMethod(PublishEvent, [], (service, request, callContext) => service.PublishEvent(request, callContext));
}
