using System.Collections.Concurrent;
using System.Text.Json;
using RedisStreamDemo.Contracts;

namespace PlumbingFloor;

/// <summary>
/// The ingress's place: POST /WeatherForecast/city publishes a request through its broker and
/// answers with the reply when the broker delivers it to POST /replies (matched by request id).
/// </summary>
internal static class EdgeApp
{
    public const string ReplyRoute = "/replies";
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ConcurrentDictionary<string, TaskCompletionSource<string>>>();

        var app = AppHost.Build(builder);
        app.MapPost("/WeatherForecast/city", AskAsync);
        app.MapPost(ReplyRoute, ReplyAsync);
        return app;
    }

    private static async Task<IResult> AskAsync(
        CityQuery query, BrokerClient broker, ConcurrentDictionary<string, TaskCompletionSource<string>> pending, CancellationToken cancellationToken)
    {
        var requestId = Guid.NewGuid().ToString("N");
        var reply = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[requestId] = reply;
        try
        {
            var request = new WeatherRequest(requestId, query.City, query.Location, DateTimeOffset.UtcNow);
            await broker.PublishAsync(DaprNames.Topics.WeatherRequests, JsonSerializer.SerializeToUtf8Bytes(request, AppHost.Json), cancellationToken);
            return TypedResults.Text(await reply.Task.WaitAsync(ReplyTimeout, cancellationToken), "application/json");
        }
        catch (TimeoutException)
        {
            return TypedResults.StatusCode(StatusCodes.Status504GatewayTimeout);
        }
        finally
        {
            pending.TryRemove(requestId, out _);
        }
    }

    private static async Task<IResult> ReplyAsync(
        HttpRequest request, ConcurrentDictionary<string, TaskCompletionSource<string>> pending, CancellationToken cancellationToken)
    {
        using var envelope = await Envelope.ReadAsync(request, cancellationToken);
        var data = envelope.RootElement.GetProperty("data");
        if (data.GetProperty("requestId").GetString() is { } requestId && pending.TryGetValue(requestId, out var waiting))
        {
            waiting.TrySetResult(data.GetRawText());
        }
        return TypedResults.Ok();
    }

    internal sealed record CityQuery(string City, string? Location);
}
