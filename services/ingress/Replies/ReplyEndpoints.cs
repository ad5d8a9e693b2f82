using System.Diagnostics;
using System.Text.Json;
using Dapr;
using IngressService.Correlation;
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
    IRequestCorrelation Correlation,
    IngressMetrics Metrics,
    ILogger<ReplyServices> Logger);

internal static partial class ReplyEndpoints
{
    private static readonly JsonSerializerOptions ReplyJson = new(JsonSerializerDefaults.Web) { MaxDepth = 16 };

    private static readonly Func<ILogger, string, IDisposable?> RequestScope =
        LoggerMessage.DefineScope<string>("RequestId:{RequestId}");

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
        app.MapPost(DaprNames.Routes.WeatherResponsesDeadLetter, HandleDeadLetter)
            .WithTopic(DaprNames.PubSub, DaprNames.Topics.WeatherResponsesDeadLetter)
            .RequireDaprAppToken(token)
            .WithTags("Dapr")
            .ExcludeFromDescription();
    }

    // The body is read by hand: an unparseable reply must be DROPped, not answered 400, which daprd
    // retries like any non-404 error until the inbound retry budget is spent, for nothing.
    internal static Task<Ok<TopicResponse>> Handle(
        HttpRequest request,
        [AsParameters] ReplyServices services,
        CancellationToken cancellationToken) => HandleAsync(request, services, deadLettered: false, cancellationToken);

    // Counted and logged apart, so a reply that needed the dead-letter path is visible, and so is
    // one that cannot complete its request even then (its result is drop or retry).
    internal static Task<Ok<TopicResponse>> HandleDeadLetter(
        HttpRequest request,
        [AsParameters] ReplyServices services,
        CancellationToken cancellationToken) => HandleAsync(request, services, deadLettered: true, cancellationToken);

    private static async Task<Ok<TopicResponse>> HandleAsync(
        HttpRequest request,
        ReplyServices services,
        bool deadLettered,
        CancellationToken cancellationToken)
    {
        var (correlation, metrics, logger) = services;

        var reply = await ReadReplyAsync(request, cancellationToken);
        if (reply is null)
        {
            ReplyLog.Unparseable(logger);
            return Answer(metrics, ReplyHandling.Drop, deadLettered);
        }

        using var scope = RequestScope(logger, reply.RequestId);
        using var activity = IngressTelemetry.ActivitySource.StartActivity("forecast.reply", ActivityKind.Consumer);
        activity?.SetTag(IngressTelemetry.RequestIdTag, reply.RequestId);
        activity?.SetTag(IngressTelemetry.CityTag, reply.City);
        if (deadLettered)
        {
            ReplyLog.DeadLettered(logger, reply.RequestId);
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
