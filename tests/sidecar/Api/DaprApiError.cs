using System.Text.Json.Nodes;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace TestSidecar.Api;

/// <summary>
/// An error as daprd reports it: gRPC code + message + google.rpc.ErrorInfo (reason, domain
/// dapr.io) in grpc-status-details-bin; over HTTP a status with {"errorCode","message","details"}.
/// dapr/kit's builder puts the details in the order they were added: a field violation, then the
/// resource, then the ErrorInfo.
/// </summary>
internal sealed record DaprApiError(StatusCode GrpcCode, int HttpStatus, string ErrorCode, string Reason, string Message)
{
    public IReadOnlyDictionary<string, string>? ReasonMetadata { get; init; }

    public (string Field, string Description)? FieldViolation { get; init; }

    /// <summary>google.rpc.ResourceInfo (type, name, description), as dapr/dapr pkg/api/errors adds for most state and pubsub errors.</summary>
    public (string Type, string Name, string Description)? Resource { get; init; }

    public static DaprApiError PubSubNotFound(string name) =>
        new(StatusCode.InvalidArgument, 404, "ERR_PUBSUB_NOT_FOUND", "DAPR_PUBSUB_NOT_FOUND", $"pubsub {name} is not found");

    public static DaprApiError PubSubNameEmpty() =>
        new(StatusCode.InvalidArgument, 404, "ERR_PUBSUB_EMPTY", "DAPR_PUBSUB_NAME_EMPTY", "pubsub name is empty");

    public static DaprApiError TopicEmpty(string pubsub) =>
        new(StatusCode.InvalidArgument, 404, "ERR_TOPIC_NAME_EMPTY", "DAPR_PUBSUB_TOPIC_NAME_EMPTY", "topic is empty in pubsub " + pubsub);

    public static DaprApiError MetadataDeserialize(string error) =>
        new(StatusCode.InvalidArgument, 400, "ERR_PUBSUB_REQUEST_METADATA", "DAPR_PUBSUB_METADATA_DESERIALIZATION", "failed deserializing metadata. Error: " + error);

    // dapr/dapr v1.18.3 pkg/api/errors/pubsub.go withTopicError(...).build: a ResourceInfo whose description
    // is the message, and the topic and the publisher's error in the ErrorInfo metadata.
    public static DaprApiError PublishFailed(string pubsub, string topic, string error)
    {
        var message = $"error when publishing to topic {topic} in pubsub {pubsub}: {error}";
        return new(StatusCode.Internal, 500, "ERR_PUBSUB_PUBLISH_MESSAGE", "DAPR_PUBSUB_PUBLISH_MESSAGE", message)
        {
            Resource = ("pubsub", pubsub, message),
            ReasonMetadata = new Dictionary<string, string> { ["error"] = error, ["topic"] = topic },
        };
    }

    /// <summary>pkg/api/errors/pubsub.go PublishForbidden: a topic outside the app's scopes (NotAllowedError).</summary>
    public static DaprApiError PublishForbidden(string pubsub, string topic, string appId, string error)
    {
        var message = $"topic {topic} is not allowed for app id {appId}";
        return new(StatusCode.PermissionDenied, 403, "ERR_PUBSUB_FORBIDDEN", "DAPR_PUBSUB_FORBIDDEN", message)
        {
            Resource = ("pubsub", pubsub, message),
            ReasonMetadata = new Dictionary<string, string> { ["error"] = error, ["topic"] = topic },
        };
    }

    public static DaprApiError WorkflowNotFound(string instanceId) =>
        new(StatusCode.NotFound, 404, "ERR_INSTANCE_ID_NOT_FOUND", "", $"unable to find workflow with the provided instance ID: {instanceId}");

    // dapr/dapr pkg/api/errors/state.go: the HTTP API adds the app id to the ErrorInfo, the gRPC API does not.
    public static DaprApiError StateStoreNotFound(string name, string? appId) =>
        new(StatusCode.InvalidArgument, 400, "ERR_STATE_STORE_NOT_FOUND", "DAPR_STATE_NOT_FOUND", $"state store {name} is not found") { ReasonMetadata = AppIdMetadata(appId) };

    public static DaprApiError StateStoreNotConfigured(string name, string? appId) =>
        new(StatusCode.FailedPrecondition, 500, "ERR_STATE_STORE_NOT_CONFIGURED", "DAPR_STATE_NOT_CONFIGURED", $"state store {name} is not configured") { ReasonMetadata = AppIdMetadata(appId) };

    public static DaprApiError StateKeyIllegal(string store, string key, string message) =>
        new(StatusCode.InvalidArgument, 400, "ERR_MALFORMED_REQUEST", "DAPR_STATE_ILLEGAL_KEY", message) { FieldViolation = (key, message), Resource = ("state", store, "") };

    /// <summary>dapr/dapr apierrors.Basic: no legacy code, so the ErrorInfo reason is the error code (ERR_STATE_GET, ERR_STATE_SAVE, ...).</summary>
    public static DaprApiError Basic(StatusCode code, int httpStatus, string errorCode, string message) =>
        new(code, httpStatus, errorCode, errorCode, message);

    /// <summary>dapr/dapr messages.NewAPIErrorHTTP: an HTTP-only error, {"errorCode","message"} without details.</summary>
    public static DaprApiError Http(int httpStatus, string errorCode, string message) =>
        new(StatusCode.Unknown, httpStatus, errorCode, "", message);

    private static Dictionary<string, string>? AppIdMetadata(string? appId) =>
        string.IsNullOrEmpty(appId) ? null : new Dictionary<string, string> { ["appID"] = appId };

    private Google.Rpc.Status ToRpcStatus()
    {
        var status = new Google.Rpc.Status { Code = (int)GrpcCode, Message = Message };
        if (FieldViolation is { } violation)
        {
            status.Details.Add(Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = violation.Field, Description = violation.Description } } }));
        }
        if (Resource is { } resource)
        {
            status.Details.Add(Any.Pack(new ResourceInfo { ResourceType = resource.Type, ResourceName = resource.Name, Description = resource.Description }));
        }
        if (Reason.Length > 0)
        {
            var info = new ErrorInfo { Reason = Reason, Domain = "dapr.io" };
            if (ReasonMetadata is not null)
            {
                info.Metadata.Add(ReasonMetadata.ToDictionary());
            }
            status.Details.Add(Any.Pack(info));
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
        var details = new JsonArray();
        if (FieldViolation is { } violation)
        {
            details.Add(new JsonObject
            {
                ["@type"] = "type.googleapis.com/google.rpc.BadRequest",
                ["field_violations"] = new JsonArray(new JsonObject { ["field"] = violation.Field, ["description"] = violation.Description }),
            });
        }
        if (Resource is { } resource)
        {
            details.Add(new JsonObject
            {
                ["@type"] = "type.googleapis.com/google.rpc.ResourceInfo",
                ["resource_type"] = resource.Type,
                ["resource_name"] = resource.Name,
                ["owner"] = "",
                ["description"] = resource.Description,
            });
        }
        if (Reason.Length > 0)
        {
            details.Add(new JsonObject
            {
                ["@type"] = "type.googleapis.com/google.rpc.ErrorInfo",
                ["reason"] = Reason,
                ["domain"] = "dapr.io",
                // Go marshals a nil map as null.
                ["metadata"] = ReasonMetadata is null ? null : new JsonObject(ReasonMetadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
            });
        }
        if (details.Count > 0)
        {
            body["details"] = details;
        }
        return Results.Json(body, statusCode: HttpStatus);
    }
}
