using RedisStreamDemo.Contracts;
using RedisStreamDemo.Ingress.OpenApi;

namespace RedisStreamDemo.Ingress.Forecasts;

internal static class ForecastExamples
{
    private const string RequestId = "3f2b8c1d9e4a4b7f8c6d5e4f3a2b1c0d";

    private static readonly WeatherReply Reply = new(
        RequestId,
        "Oslo",
        "Sentrum",
        [new Forecast(new DateOnly(2026, 1, 15), -3, 27, "Bracing"), new Forecast(new DateOnly(2026, 1, 16), 1, 33, "Chilly")],
        "terminal-2",
        new DateTimeOffset(2026, 1, 14, 9, 30, 0, TimeSpan.Zero));

    private static readonly ForecastAccepted Accepted = ForecastAccepted.For(RequestId);

    public static readonly OpenApiExamples Post = new(
        new CityForecastRequest("Oslo", "Sentrum"),
        new Dictionary<int, object>
        {
            [StatusCodes.Status200OK] = Reply,
            [StatusCodes.Status202Accepted] = Accepted,
            [StatusCodes.Status400BadRequest] = new
            {
                type = "https://tools.ietf.org/html/rfc9110#section-15.5.1",
                title = "The request is invalid.",
                status = 400,
                errors = new Dictionary<string, string[]> { ["city"] = ["The city may contain only letters, spaces and . ' -"] },
            },
            [StatusCodes.Status503ServiceUnavailable] = Problem(503, "Too many requests in flight"),
            [StatusCodes.Status504GatewayTimeout] = Problem(504, "No reply in time"),
        });

    public static readonly OpenApiExamples Get = new(
        null,
        new Dictionary<int, object>
        {
            [StatusCodes.Status200OK] = Reply,
            [StatusCodes.Status202Accepted] = Accepted,
            [StatusCodes.Status404NotFound] = Problem(404, "Unknown request"),
            [StatusCodes.Status504GatewayTimeout] = Problem(504, "No reply in time"),
        });

    private static object Problem(int status, string title) => new { title, status };
}
