using System.Globalization;
using System.Text.Json.Nodes;
using DurableTask.Core;
using Microsoft.AspNetCore.Http.HttpResults;
using TestSidecar.Hosting;
using TestSidecar.PubSub;
using TestSidecar.Resources;
using TestSidecar.Workflows;

namespace TestSidecar.Api;

/// <summary>The slice of daprd's HTTP API (/v1.0) the apps, the SDK and the probes use.</summary>
internal static class HttpApiEndpoints
{
    public static RouteGroupBuilder MapDaprHttpApi(this IEndpointRouteBuilder app, int httpPort)
    {
        var api = app.MapGroup("/v1.0").RequireHost($"*:{httpPort}");
        api.MapGet("/healthz", Healthz);
        api.MapGet("/healthz/outbound", Outbound);
        api.MapGet("/metadata", GetMetadata);
        api.MapPost("/publish/{pubsubname}/{**topic}", PublishAsync);
        api.MapGet("/workflows/{component}/{instanceId}", GetWorkflowAsync);
        api.MapStateEndpoints();
        return api;
    }

    private static Results<NoContent, StatusCodeHttpResult> Healthz(SidecarState state) =>
        state.Ready ? TypedResults.NoContent() : TypedResults.StatusCode(StatusCodes.Status500InternalServerError);

    private static NoContent Outbound() => TypedResults.NoContent();

    private static IResult GetMetadata(SidecarOptions options, DaprResources resources, Resiliency resiliency, SubscriptionRuntime subscriptions)
    {
        var components = new JsonArray();
        foreach (var c in resources.Components)
        {
            var item = new JsonObject { ["name"] = c.Name, ["type"] = c.Type, ["version"] = c.Version };
            if (c.Type == "state.redis")
            {
                // components-contrib state.redis Features() without the RedisJSON module (no QUERY_API),
                // then daprd's getComponentsCapabilitesMap adds ACTOR to every store with ETAG and
                // TRANSACTIONAL, whether or not it is the actor state store.
                item["capabilities"] = new JsonArray("ETAG", "TRANSACTIONAL", "TTL", "KEYS_LIKE", "ACTOR");
            }
            components.Add(item);
        }

        var body = new JsonObject
        {
            ["id"] = options.AppId,
            ["runtimeVersion"] = "test-sidecar",
            ["components"] = components,
            ["extended"] = new JsonObject { ["daprRuntimeVersion"] = "test-sidecar" },
        };

        var subs = subscriptions.Programmatic;
        if (subs.Count > 0)
        {
            body["subscriptions"] = new JsonArray([.. subs.Select(s =>
            {
                var sub = new JsonObject
                {
                    ["pubsubname"] = s.PubsubName,
                    ["topic"] = s.Topic,
                };
                if (s.Metadata.Count > 0)
                {
                    sub["metadata"] = new JsonObject(s.Metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
                }
                sub["rules"] = new JsonArray([.. s.Rules.Select(r => (JsonNode)(r.Match.Length > 0
                    ? new JsonObject { ["match"] = r.Match, ["path"] = r.Path }
                    : new JsonObject { ["path"] = r.Path }))]);
                sub["deadLetterTopic"] = s.DeadLetterTopic ?? "";
                sub["type"] = "PROGRAMMATIC";
                return (JsonNode)sub;
            })]);
        }

        var connection = new JsonObject { ["protocol"] = "http", ["channelAddress"] = "127.0.0.1" };
        if (options.AppPort is { } port)
        {
            connection["port"] = port;
        }
        if (options.AppMaxConcurrency > 0)
        {
            connection["maxConcurrency"] = options.AppMaxConcurrency;
        }
        body["appConnectionProperties"] = connection;
        body["actorRuntime"] = new JsonObject { ["runtimeStatus"] = "DISABLED", ["hostReady"] = false };
        if (resiliency.Names.Count > 0)
        {
            body["resiliencies"] = new JsonArray([.. resiliency.Names.Select(n => (JsonNode)new JsonObject { ["name"] = n })]);
        }
        return Results.Json(body);
    }

    private static async Task<IResult> PublishAsync(string pubsubname, string topic, HttpRequest request, PubSubRuntime pubsub, CancellationToken cancellationToken)
    {
        if (!pubsub.Components.ContainsKey(pubsubname))
        {
            return DaprApiError.PubSubNotFound(pubsubname).ToHttpResult();
        }
        if (string.IsNullOrEmpty(topic))
        {
            return DaprApiError.TopicEmpty(pubsubname).ToHttpResult();
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);

        // daprd passes metadata.* query parameters as publish metadata (always a map, possibly empty).
        var metadata = request.Query
            .Where(q => q.Key.StartsWith("metadata.", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(q => q.Key["metadata.".Length..], q => q.Value.ToString(), StringComparer.Ordinal);
        try
        {
            // A raw payload is stored as sent; unlike its gRPC API, daprd's HTTP API adds no trace metadata.
            _ = CloudEvents.IsRawPayload(metadata);
        }
        catch (FormatException ex)
        {
            return DaprApiError.MetadataDeserialize(ex.Message).ToHttpResult();
        }

        var trace = TraceContext.TryParse(request.Headers["traceparent"], request.Headers["tracestate"], out var parent)
            ? parent.NewChild()
            : TraceContext.NewRoot();
        try
        {
            await pubsub.PublishEventAsync(pubsubname, topic, buffer.ToArray(), request.ContentType, metadata, trace, cancellationToken);
        }
        catch (PubSubForbiddenException ex)
        {
            return DaprApiError.PublishForbidden(pubsubname, topic, pubsub.AppId, ex.Message).ToHttpResult();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return DaprApiError.PublishFailed(pubsubname, topic, ex.Message).ToHttpResult();
        }
        return Results.NoContent();
    }

    private static async Task<IResult> GetWorkflowAsync(string instanceId, WorkflowInstances instances)
    {
        var state = await instances.FindAsync(instanceId);
        if (state is null)
        {
            return DaprApiError.WorkflowNotFound(instanceId).ToHttpResult();
        }

        var properties = new JsonObject();
        if (state.Status is not null)
        {
            properties["dapr.workflow.custom_status"] = state.Status;
        }
        if (state.Input is not null)
        {
            properties["dapr.workflow.input"] = state.Input;
        }
        if (state.Output is not null && state.FailureDetails is null)
        {
            properties["dapr.workflow.output"] = state.Output;
        }
        if (state.FailureDetails is { } failure)
        {
            properties["dapr.workflow.failure.error_type"] = failure.ErrorType;
            properties["dapr.workflow.failure.error_message"] = failure.ErrorMessage;
            if (failure.StackTrace is not null)
            {
                properties["dapr.workflow.failure.stack_trace"] = failure.StackTrace;
            }
        }

        return Results.Json(new JsonObject
        {
            ["instanceID"] = instanceId,
            ["workflowName"] = state.Name,
            ["createdAt"] = Timestamp(state.CreatedTime),
            ["lastUpdatedAt"] = Timestamp(state.LastUpdatedTime),
            ["runtimeStatus"] = RuntimeStatus(state.OrchestrationStatus),
            ["properties"] = properties,
        });
    }

    // daprd's statusMap over the durabletask runtime status numbers.
    private static string RuntimeStatus(OrchestrationStatus status) => status switch
    {
        OrchestrationStatus.Running => "RUNNING",
        OrchestrationStatus.Completed => "COMPLETED",
        OrchestrationStatus.ContinuedAsNew => "CONTINUED_AS_NEW",
        OrchestrationStatus.Failed => "FAILED",
        OrchestrationStatus.Canceled => "CANCELED",
        OrchestrationStatus.Terminated => "TERMINATED",
        OrchestrationStatus.Pending => "PENDING",
        OrchestrationStatus.Suspended => "SUSPENDED",
        _ => "UNKNOWN",
    };

    // protojson Timestamp: RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits.
    private static string Timestamp(DateTime time)
    {
        var utc = DateTime.SpecifyKind(time, DateTimeKind.Utc);
        var fraction = utc.Ticks % TimeSpan.TicksPerSecond;
        var format = fraction == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'"
            : fraction % TimeSpan.TicksPerMillisecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss.fff'Z'"
            : "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";
        return utc.ToString(format, CultureInfo.InvariantCulture);
    }
}
