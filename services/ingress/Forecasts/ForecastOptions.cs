using System.ComponentModel.DataAnnotations;

namespace IngressService.Forecasts;

internal sealed class ForecastOptions
{
    public const string SectionName = "Forecasts";

    // How long POST waits for the reply before answering 202 with a status URL; zero never waits.
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ReplyWait { get; set; } = TimeSpan.FromSeconds(10);

    // Workflows this replica scheduled and has not seen finish; beyond it new POSTs get 503 at once.
    [Range(1, 1_000_000)]
    public int MaxInFlight { get; set; } = 1000;

    // Bound on one call to the sidecar (schedule, status, raise event); the Dapr clients otherwise keep
    // retrying an unreachable sidecar for as long as the caller waits.
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan SidecarTimeout { get; set; } = TimeSpan.FromSeconds(5);

    // Sent as Retry-After (seconds) with 503 answers.
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 1;
}
