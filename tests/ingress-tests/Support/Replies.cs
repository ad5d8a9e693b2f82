namespace Ingress.Tests.Support;

internal static class Replies
{
    public static WeatherReply For(string requestId, string city = "Oslo") => new(
        requestId,
        city,
        "Sentrum",
        [new Forecast(new DateOnly(2026, 1, 15), -3, 27, "Bracing")],
        "terminal-1",
        new DateTimeOffset(2026, 1, 14, 9, 30, 0, TimeSpan.Zero));

    public static string NewId() => Guid.NewGuid().ToString("N");
}
