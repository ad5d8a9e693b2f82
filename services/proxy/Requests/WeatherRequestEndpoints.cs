using System.Text.Json;
using Dapr;
using Microsoft.AspNetCore.Http.HttpResults;
using RedisStreamDemo.Contracts;
using RedisStreamDemo.ServiceDefaults;

namespace ProxyService.Requests;

internal static class WeatherRequestEndpoints
{
    public static RouteGroupBuilder MapWeatherRequestEndpoints(this WebApplication app)
    {
        // Only the sidecar delivers events; with APP_API_TOKEN set it must present that token.
        var group = app.MapGroup(string.Empty)
            .WithTags("Dapr deliveries")
            .RequireDaprAppToken(app.Configuration[DaprAppToken.EnvironmentVariable]);

        group.MapPost(DaprNames.Routes.WeatherRequests, HandleAsync)
            .WithTopic(new TopicOptions
            {
                PubsubName = DaprNames.PubSub,
                Name = DaprNames.Topics.WeatherRequests,
                DeadLetterTopic = DaprNames.Topics.WeatherRequestsDeadLetter,
            })
            .Accepts<WeatherRequest>("application/json", "application/cloudevents+json")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .WithSummary("Delivery of a weather request from the weather-requests topic.");

        group.MapPost(DaprNames.Routes.WeatherRequestsDeadLetter, HandleDeadLetterAsync)
            .WithTopic(DaprNames.PubSub, DaprNames.Topics.WeatherRequestsDeadLetter)
            .Accepts<WeatherRequest>("application/json", "application/cloudevents+json")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
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
        var letter = await TryReadAsync<DeadLetter>(http, cancellationToken);
        return TypedResults.Ok(handler.HandleDeadLetter(letter?.RequestId, letter?.City));
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

    // Whatever can be learnt from a dead letter, which may be anything at all.
    private sealed record DeadLetter(string? RequestId, string? City);
}
