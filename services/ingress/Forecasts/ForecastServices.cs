using IngressService.Correlation;
using Microsoft.Extensions.Options;

namespace IngressService.Forecasts;

// What the forecast handlers need, bound with [AsParameters] to keep their signatures short.
internal sealed record ForecastServices(
    IRequestCorrelation Correlation,
    IngressMetrics Metrics,
    TimeProvider Time,
    IOptions<ForecastOptions> ForecastOptions,
    ILogger<ForecastServices> Logger);

// The 202 body: where to ask for the reply later.
internal sealed record ForecastAccepted(string RequestId, string Status, string StatusUrl)
{
    public const string Pending = "pending";

    public static ForecastAccepted For(string requestId) => new(requestId, Pending, ForecastEndpoints.StatusUrl(requestId));
}
