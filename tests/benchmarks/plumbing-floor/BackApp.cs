using System.Text.Json;
using RedisStreamDemo.Contracts;

namespace PlumbingFloor;

/// <summary>The proxy's place: POST /requests answers each request with five forecasts, published through its broker.</summary>
internal static class BackApp
{
    public const string RequestRoute = "/requests";

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = AppHost.Build(builder);
        app.MapPost(RequestRoute, AnswerAsync);
        return app;
    }

    private static async Task<IResult> AnswerAsync(HttpRequest http, BrokerClient broker, CancellationToken cancellationToken)
    {
        using var envelope = await Envelope.ReadAsync(http, cancellationToken);
        var request = envelope.RootElement.GetProperty("data").Deserialize<WeatherRequest>(AppHost.Json)
            ?? throw new BadHttpRequestException("no data");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        Forecast[] forecasts =
        [
            .. Enumerable.Range(1, 5).Select(day =>
            {
                var celsius = Random.Shared.Next(-20, 40);
                return new Forecast(today.AddDays(day), celsius, 32 + (int)(celsius / 0.5556), "Mild");
            }),
        ];
        var reply = new WeatherReply(request.RequestId, request.City, request.Location, forecasts, "terminal-1", DateTimeOffset.UtcNow);
        await broker.PublishAsync(DaprNames.Topics.WeatherResponses, JsonSerializer.SerializeToUtf8Bytes(reply, AppHost.Json), cancellationToken);
        return TypedResults.Ok();
    }
}
