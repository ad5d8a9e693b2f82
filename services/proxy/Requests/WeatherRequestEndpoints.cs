using System.Text.Json;
using Dapr;
using Microsoft.AspNetCore.Http.HttpResults;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Proxy.Requests;

internal static class WeatherRequestEndpoints
{
    public static RouteGroupBuilder MapWeatherRequestEndpoints(this WebApplication app)
    {
        // Only the sidecar delivers events; with APP_API_TOKEN set it must present that token.
        // Routing answers 415 to a body that is neither JSON nor a CloudEvent, and UseDaprCloudEvents 400
        // to a CloudEvent envelope Dapr cannot unwrap; the handlers answer every other body 200.
        var group = app.MapGroup(string.Empty)
            .WithTag("Dapr deliveries", "Called by the Dapr sidecar only: events from the proxy's subscriptions.")
            .RequireDaprAppToken(app.Configuration[DaprAppToken.EnvironmentVariable])
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapPost(DaprNames.Routes.WeatherRequests, HandleAsync)
            .WithTopic(new TopicOptions
            {
                PubsubName = DaprNames.PubSub,
                Name = DaprNames.Topics.WeatherRequests,
                DeadLetterTopic = DaprNames.Topics.WeatherRequestsDeadLetter,
            })
            .Accepts<WeatherRequest>("application/json", "application/cloudevents+json")
            .WithName("DeliverWeatherRequest")
            .WithSummary("Delivery of a weather request from the weather-requests topic.");

        // rawPayload: a dead letter may be bytes that are no CloudEvent at all (that is often why it
        // is dead). Without it the sidecar could not deliver such an entry here either, and it would
        // vanish uncounted; with it Dapr wraps whatever is stored in a data_base64 CloudEvent.
        group.MapPost(DaprNames.Routes.WeatherRequestsDeadLetter, HandleDeadLetterAsync)
            .WithTopic(new TopicOptions
            {
                PubsubName = DaprNames.PubSub,
                Name = DaprNames.Topics.WeatherRequestsDeadLetter,
                EnableRawPayload = true,
            })
            .Accepts<WeatherRequest>("application/json", "application/cloudevents+json")
            .WithName("DeliverDeadLetter")
            .WithSummary("Delivery of a request Dapr gave up on (poison, or retries exhausted).");

        return group;
    }

    // The body is read by hand: a body that does not bind must be answered DROP, not a framework 400.
    internal static async Task<Ok<TopicResponse>> HandleAsync(
        HttpRequest http, WeatherRequestHandler handler, CancellationToken cancellationToken)
    {
        var request = await TryReadAsync<WeatherRequest>(http, cancellationToken);
        return TypedResults.Ok(await handler.HandleAsync(request, cancellationToken));
    }

    internal static async Task<Ok<TopicResponse>> HandleDeadLetterAsync(
        HttpRequest http, WeatherRequestHandler handler, CancellationToken cancellationToken)
    {
        // A dead letter may be anything at all. Raw delivery hands over the stored entry, usually
        // the original CloudEvent: the request is its data; otherwise it may be the request itself.
        using var letter = await TryReadAsync<JsonDocument>(http, cancellationToken);
        var request = letter?.RootElement is { ValueKind: JsonValueKind.Object } root
            ? TryDeserialize<WeatherRequest>(root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object ? data : root)
            : null;
        return TypedResults.Ok(await handler.HandleDeadLetterAsync(request, cancellationToken));
    }

    private static T? TryDeserialize<T>(JsonElement element)
        where T : class
    {
        try
        {
            return element.Deserialize<T>(JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<T?> TryReadAsync<T>(HttpRequest http, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(http.Body, JsonSerializerOptions.Web, cancellationToken);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
