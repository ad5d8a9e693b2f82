using System.ComponentModel.DataAnnotations;

namespace IngressService.Workflows;

internal sealed class WorkflowOptions
{
    public const string SectionName = "Workflows";

    // How long a workflow waits for the proxy's reply; part of the workflow input so replays agree.
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ReplyDeadline { get; set; } = TimeSpan.FromMinutes(5);

    // How long a finished instance stays queryable (GET /WeatherForecast/requests/{id}) before it is purged.
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromMinutes(10);

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(1);

    // Upper bound on instance ids remembered for purging (unfinished plus finished-awaiting-purge).
    [Range(1, 10_000_000)]
    public int MaxTracked { get; set; } = 100_000;
}
