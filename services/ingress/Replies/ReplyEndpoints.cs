using System.Diagnostics;
using System.Text.Json;
using Dapr;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.Ingress.Correlation;
using RedisStreamDemo.Ingress.Telemetry;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Ingress.Replies;

/// <summary>
/// The reply subscription: the proxy's replies arrive here from the sidecar and are handed to the
/// correlation mode, which completes the waiting request (Workflows/ raises the workflow's event,
/// Direct/ completes the request waiting in memory).
/// </summary>
internal static class ReplyEndpoints
{
    private static readonly JsonSerializerOptions ReplyJson = new(JsonSerializerDefaults.Web) { MaxDepth = 16 };

    // One reply route in both modes; the topic behind it is weather-responses (workflow mode) or
    // this replica's own weather-responses.<replica> (direct mode), fixed at startup. A reply whose
    // delivery runs out of retries (the workflow engine unavailable longer than the inbound retry
    // budget) goes to weather-responses-deadletter, which every replica subscribes to and handles the
    // same way, with a retry budget of its own.
    public static void MapReplyEndpoints(this WebApplication app)
    {
        var correlation = app.Services.GetRequiredService<IOptions<CorrelationOptions>>().Value;
        var topic = correlation.Mode == CorrelationMode.Direct ? correlation.ReplyTopic : DaprNames.Topics.WeatherResponses;
        var token = app.Configuration[DaprAppToken.EnvironmentVariable];
        app.MapPost(DaprNames.Routes.WeatherResponses, Handle)
            .WithTopic(new TopicOptions
            {
                PubsubName = DaprNames.PubSub,
                Name = topic,
                DeadLetterTopic = DaprNames.Topics.WeatherResponsesDeadLetter,
            })
            .RequireDaprAppToken(token)
            .WithTags("Dapr")
            .ExcludeFromDescription();
        app.MapPost(DaprNames.Routes.WeatherResponsesDeadLetter, Handle)
            .WithTopic(DaprNames.PubSub, DaprNames.Topics.WeatherResponsesDeadLetter)
            .RequireDaprAppToken(token)
            .WithTags("Dapr")
            .ExcludeFromDescription();
    }

    // The body is read by hand: an unparseable reply must be DROPped, not answered 400, which daprd
    // retries like any non-404 error until the inbound retry budget is spent, for nothing.
    // A reply on the dead-letter route is counted and logged apart, so a reply that needed the
    // dead-letter path is visible, and so is one that cannot complete its request even then (its
    // result is drop or retry).
    internal static async Task<Ok<TopicResponse>> Handle(
        HttpRequest request,
        IRequestCorrelation correlation,
        IngressMetrics metrics,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var deadLettered = request.Path.Equals(DaprNames.Routes.WeatherResponsesDeadLetter, StringComparison.OrdinalIgnoreCase);
        var logger = loggers.CreateLogger(typeof(ReplyEndpoints));

        var reply = await ReadReplyAsync(request, cancellationToken);
        if (reply is null)
        {
            logger.Unparseable();
            return Answer(metrics, ReplyHandling.Drop, deadLettered);
        }

        using var scope = logger.BeginRequestScope(reply.RequestId);
        using var activity = IngressTelemetry.ActivitySource.StartActivity("forecast.reply", ActivityKind.Consumer);
        activity?.SetTag(TelemetryTags.RequestId, reply.RequestId);
        activity?.SetTag(TelemetryTags.City, reply.City);
        if (deadLettered)
        {
            logger.DeadLettered(reply.RequestId);
        }

        return Answer(metrics, await correlation.DeliverAsync(reply, cancellationToken), deadLettered);
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

    private static Ok<TopicResponse> Answer(IngressMetrics metrics, ReplyHandling handling, bool deadLettered)
    {
        if (deadLettered)
        {
            metrics.DeadLetteredReplyReceived(handling.Result);
        }
        else
        {
            metrics.ReplyReceived(handling.Result);
        }
        return TypedResults.Ok(handling.Response);
    }
}
