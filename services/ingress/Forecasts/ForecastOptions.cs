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

    // Sent as Retry-After (seconds) with 503 answers.
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 1;
}
