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

    // One route in both modes; the topic behind it is weather-responses (workflow mode) or this
    // replica's own weather-responses.<replica> (direct mode), fixed at startup.
    public static RouteHandlerBuilder MapReplyEndpoints(this WebApplication app)
    {
        var correlation = app.Services.GetRequiredService<IOptions<CorrelationOptions>>().Value;
        var topic = correlation.Mode == CorrelationMode.Direct ? correlation.ReplyTopic : DaprNames.Topics.WeatherResponses;
        return app.MapPost(DaprNames.Routes.WeatherResponses, Handle)
            .WithTopic(DaprNames.PubSub, topic)
            .RequireDaprAppToken(app.Configuration[DaprAppToken.EnvironmentVariable])
            .WithTags("Dapr")
            .ExcludeFromDescription();
    }

    // The body is read by hand: an unparseable reply must be DROPped, not answered 400, which daprd
    // retries like any non-404 error until the inbound retry budget is spent, for nothing.
    internal static async Task<Ok<TopicResponse>> Handle(
        HttpRequest request,
        [AsParameters] ReplyServices services,
        CancellationToken cancellationToken)
    {
        var (correlation, metrics, logger) = services;

        var reply = await ReadReplyAsync(request, cancellationToken);
        if (reply is null)
        {
            ReplyLog.Unparseable(logger);
            return Answer(metrics, ReplyHandling.Drop);
        }

        using var scope = RequestScope(logger, reply.RequestId);
        using var activity = IngressTelemetry.ActivitySource.StartActivity("forecast.reply", ActivityKind.Consumer);
        activity?.SetTag(IngressTelemetry.RequestIdTag, reply.RequestId);
        activity?.SetTag(IngressTelemetry.CityTag, reply.City);

        return Answer(metrics, await correlation.DeliverAsync(reply, cancellationToken));
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

    private static Ok<TopicResponse> Answer(IngressMetrics metrics, ReplyHandling handling)
    {
        metrics.ReplyReceived(handling.Result);
        return TypedResults.Ok(handling.Response);
    }
}
