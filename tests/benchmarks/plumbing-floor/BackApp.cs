using System.Net;
using System.Text.Json;
using RedisStreamDemo.Contracts;

namespace PlumbingFloor;

/// <summary>The proxy's place: POST /requests answers each request with five forecasts, published through its broker.</summary>
internal static class BackApp
{
    public const string RequestRoute = "/requests";
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var port = builder.Configuration.GetValue<int>("port");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Services.AddSingleton(new BrokerClient(new Uri(builder.Configuration["broker-url"] ?? throw new InvalidOperationException("--broker-url is required."))));

        var app = builder.Build();
        app.MapGet("/healthz", () => TypedResults.Ok());
        app.MapPost(RequestRoute, AnswerAsync);
        return app;
    }

    private static async Task<IResult> AnswerAsync(HttpRequest http, BrokerClient broker, CancellationToken cancellationToken)
    {
        using var envelope = await Envelope.ReadAsync(http, cancellationToken);
        var request = envelope.RootElement.GetProperty("data").Deserialize<WeatherRequest>(Web)
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
        await broker.PublishAsync(DaprNames.Topics.WeatherResponses, JsonSerializer.SerializeToUtf8Bytes(reply, Web), cancellationToken);
        return TypedResults.Ok();
    }
}
