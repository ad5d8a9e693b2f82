using System.ComponentModel.DataAnnotations;
using RedisStreamDemo.Contracts;

namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>
/// The correlation mode and the settings both modes share, so switching modes changes no timing
/// or bound. Earlier names of these keys are still read (<see cref="RenamedSettings"/>).
/// </summary>
internal sealed class CorrelationOptions
{
    public const string SectionName = "Correlation";

    public CorrelationMode Mode { get; set; } = CorrelationMode.Workflow;

    // Names this replica's reply topic, weather-responses.<ReplicaId>. Defaults to a stable name
    // (ReplicaIdentity); two live replicas must never share one, or they take each other's replies.
    [RegularExpression("^[a-z0-9-]{1,63}$")]
    public string? ReplicaId { get; set; }

    // Requests this replica handed on and has not seen finish; beyond it new POSTs get 503 at once.
    [Range(1, 1_000_000)]
    public int MaxInFlight { get; set; } = 1000;

    // Bound on one call to the sidecar (schedule, publish, status, raise event); the Dapr clients
    // otherwise keep retrying an unreachable sidecar for as long as the caller waits.
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan SidecarTimeout { get; set; } = TimeSpan.FromSeconds(5);

    // How long a request waits for the proxy's reply before it ends as 504; in workflow mode part
    // of the workflow input, so replays agree.
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReplyDeadline { get; set; } = TimeSpan.FromMinutes(5);

    // How long a finished request stays answerable (GET /WeatherForecast/requests/{id}); in workflow
    // mode its instance is purged after it.
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromMinutes(10);

    // Upper bound on requests remembered (unfinished plus finished within the retention).
    [Range(1, 10_000_000)]
    public int MaxTracked { get; set; } = 100_000;

    public string ReplyTopic => DaprNames.Topics.ReplyTopicFor(ReplicaId ?? throw new InvalidOperationException("No replica id."));
}
