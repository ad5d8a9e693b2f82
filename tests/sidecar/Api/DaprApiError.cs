using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace TestSidecar.Api;

/// <summary>
/// An error as daprd reports it: gRPC code + message + google.rpc.ErrorInfo (reason, domain
/// dapr.io) in grpc-status-details-bin; over HTTP a status with {"errorCode","message","details"}.
/// </summary>
internal sealed record DaprApiError(StatusCode GrpcCode, int HttpStatus, string ErrorCode, string Reason, string Message)
{
    public static DaprApiError PubSubNotFound(string name) =>
        new(StatusCode.InvalidArgument, 404, "ERR_PUBSUB_NOT_FOUND", "DAPR_PUBSUB_NOT_FOUND", $"pubsub {name} is not found");

    public static DaprApiError PubSubNameEmpty() =>
        new(StatusCode.InvalidArgument, 404, "ERR_PUBSUB_EMPTY", "DAPR_PUBSUB_NAME_EMPTY", "pubsub name is empty");

    public static DaprApiError TopicEmpty(string pubsub) =>
        new(StatusCode.InvalidArgument, 404, "ERR_TOPIC_NAME_EMPTY", "DAPR_PUBSUB_TOPIC_NAME_EMPTY", "topic is empty in pubsub " + pubsub);

    public static DaprApiError MetadataDeserialize(string error) =>
        new(StatusCode.InvalidArgument, 400, "ERR_PUBSUB_REQUEST_METADATA", "DAPR_PUBSUB_METADATA_DESERIALIZATION", "failed deserializing metadata. Error: " + error);

    public static DaprApiError PublishFailed(string pubsub, string topic, string error) =>
        new(StatusCode.Internal, 500, "ERR_PUBSUB_PUBLISH_MESSAGE", "DAPR_PUBSUB_PUBLISH_MESSAGE", $"error when publishing to topic {topic} in pubsub {pubsub}: {error}");

    public static DaprApiError WorkflowNotFound(string instanceId) =>
        new(StatusCode.NotFound, 404, "ERR_INSTANCE_ID_NOT_FOUND", "", $"unable to find workflow with the provided instance ID: {instanceId}");

    private Google.Rpc.Status ToRpcStatus()
    {
        var status = new Google.Rpc.Status { Code = (int)GrpcCode, Message = Message };
        if (Reason.Length > 0)
        {
            status.Details.Add(Any.Pack(new ErrorInfo { Reason = Reason, Domain = "dapr.io" }));
        }
        return status;
    }

    public RpcException ToRpcException()
    {
        var trailers = new Metadata { { "grpc-status-details-bin", ToRpcStatus().ToByteArray() } };
        return new RpcException(new Grpc.Core.Status(GrpcCode, Message), trailers);
    }

    public IResult ToHttpResult()
    {
        var body = new JsonObject { ["errorCode"] = ErrorCode, ["message"] = Message };
        if (Reason.Length > 0)
        {
            body["details"] = new JsonArray(new JsonObject
            {
                ["@type"] = "type.googleapis.com/google.rpc.ErrorInfo",
                ["reason"] = Reason,
                ["domain"] = "dapr.io",
                ["metadata"] = null,
            });
        }
        return Results.Json(body, statusCode: HttpStatus);
    }
}
