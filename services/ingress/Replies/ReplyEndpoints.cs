using System.Diagnostics;
using System.Text.Json;
using Dapr;
using Dapr.Workflow;
using IngressService.Forecasts;
using IngressService.Workflows;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.ServiceDefaults;

namespace IngressService.Replies;

// Dapr's delivery contract: 2xx with {"status": "SUCCESS" | "RETRY" | "DROP"}.
internal sealed record TopicResponse(string Status)
{
    public static readonly TopicResponse Success = new("SUCCESS");
    public static readonly TopicResponse Retry = new("RETRY");
    public static readonly TopicResponse Drop = new("DROP");
}

// What the reply handler needs, bound with [AsParameters].
internal sealed record ReplyServices(
    IDaprWorkflowClient Workflows,
    WorkflowInstanceTracker Tracker,
    IngressMetrics Metrics,
    TimeProvider Time,
    IOptions<ForecastOptions> ForecastOptions,
    ILogger<ReplyServices> Logger);

internal static partial class ReplyEndpoints
{
    private static readonly JsonSerializerOptions ReplyJson = new(JsonSerializerDefaults.Web) { MaxDepth = 16 };

    private static readonly Func<ILogger, string, IDisposable?> RequestScope =
        LoggerMessage.DefineScope<string>("RequestId:{RequestId}");

    public static RouteHandlerBuilder MapReplyEndpoints(this WebApplication app) =>
        app.MapPost(DaprNames.Routes.WeatherResponses, Handle)
            .WithTopic(DaprNames.PubSub, DaprNames.Topics.WeatherResponses)
            .RequireDaprAppToken(app.Configuration[DaprAppToken.EnvironmentVariable])
            .WithTags("Dapr")
            .ExcludeFromDescription();

    // The body is read by hand: an unparseable reply must be DROPped, not answered 400 (which the
    // sidecar would treat as "retry" forever).
    internal static async Task<Ok<TopicResponse>> Handle(
        HttpRequest request,
        [AsParameters] ReplyServices services,
        CancellationToken cancellationToken)
    {
        var (workflows, tracker, metrics, time, forecastOptions, logger) = services;

        var reply = await ReadReplyAsync(request, cancellationToken);
        if (reply is null)
        {
            LogUnparseable(logger);
            return Answer(metrics, ReplyResult.Drop, TopicResponse.Drop);
        }

        var requestId = reply.RequestId;
        using var scope = RequestScope(logger, requestId);
        using var activity = IngressTelemetry.ActivitySource.StartActivity("forecast.reply", ActivityKind.Consumer);
        activity?.SetTag(IngressTelemetry.RequestIdTag, requestId);
        activity?.SetTag(IngressTelemetry.CityTag, reply.City);

        DateTimeOffset createdAt;
        using var call = ForecastEndpoints.SidecarCall(forecastOptions.Value, cancellationToken);
        try
        {
            var state = await workflows.GetWorkflowStateAsync(requestId, getInputsAndOutputs: false, call.Token);
            if (!state.Exists)
            {
                LogUnknownInstance(logger, requestId);
                return Answer(metrics, ReplyResult.Drop, TopicResponse.Drop);
            }

            if (FinishedWorkflowPurger.IsTerminal(state.RuntimeStatus))
            {
                // At-least-once delivery: a redelivered reply, or one that came after the deadline.
                LogDuplicate(logger, requestId, state.RuntimeStatus);
                return Answer(metrics, ReplyResult.Duplicate, TopicResponse.Success);
            }

            createdAt = state.CreatedAt;
            await workflows.RaiseEventAsync(requestId, ForecastWorkflow.ReplyEventName, reply, call.Token);
        }
        catch (Exception ex) when (ForecastEndpoints.IsTransient(ex)
            || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // No workflow worker yet, or the sidecar is unreachable: let the sidecar deliver again.
            LogTransient(logger, ex, requestId);
            return Answer(metrics, ReplyResult.Retry, TopicResponse.Retry);
        }

        // Instances scheduled by another replica are not tracked here; their creation time stands in.
        var acceptedAt = tracker.TryGetScheduledAt(requestId, out var scheduledAt) ? scheduledAt : createdAt;
        if (acceptedAt != default)
        {
            metrics.ReplyObserved(time.GetUtcNow() - acceptedAt);
        }

        tracker.MarkFinished(requestId);
        LogRaised(logger, requestId, reply.Terminal);
        return Answer(metrics, ReplyResult.Success, TopicResponse.Success);
    }

    private static async Task<WeatherReply?> ReadReplyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await JsonSerializer.DeserializeAsync<WeatherReply>(request.Body, ReplyJson, cancellationToken);
            return reply is { RequestId: { Length: 32 } id, City: not null, Terminal: not null, Forecasts: not null }
                && Guid.TryParseExact(id, "N", out _)
                ? reply
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    private static Ok<TopicResponse> Answer(IngressMetrics metrics, string result, TopicResponse response)
    {
        metrics.ReplyReceived(result);
        return TypedResults.Ok(response);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a reply that could not be parsed")]
    private static partial void LogUnparseable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped a reply for unknown request {RequestId}")]
    private static partial void LogUnknownInstance(ILogger logger, string requestId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored a duplicate reply for request {RequestId} ({Status})")]
    private static partial void LogDuplicate(ILogger logger, string requestId, WorkflowRuntimeStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not deliver the reply for request {RequestId}; asking for redelivery")]
    private static partial void LogTransient(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reply for request {RequestId} from terminal {Terminal} handed to its workflow")]
    private static partial void LogRaised(ILogger logger, string requestId, string terminal);
}
