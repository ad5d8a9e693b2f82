namespace RedisStreamDemo.Ingress.Forecasts;

/// <summary>The 202 body: where to ask for the reply later.</summary>
internal sealed record ForecastAccepted(string RequestId, string Status, string StatusUrl)
{
    public const string Pending = "pending";

    public static ForecastAccepted For(string requestId) => new(requestId, Pending, ForecastEndpoints.StatusUrl(requestId));
}
