using System.ComponentModel.DataAnnotations;

namespace RedisStreamDemo.Ingress.Forecasts;

/// <summary>How the forecast API answers; the bounds and timings of the work behind it are in CorrelationOptions.</summary>
internal sealed class ForecastOptions
{
    public const string SectionName = "Forecasts";

    // How long POST waits for the reply before answering 202 with a status URL; zero never waits.
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan ReplyWait { get; set; } = TimeSpan.FromSeconds(10);

    // Sent as Retry-After (seconds) with 503 answers.
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 1;
}
