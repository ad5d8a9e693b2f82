using System.ComponentModel.DataAnnotations;

namespace RedisStreamDemo.Ingress.Workflows;

/// <summary>
/// Settings of workflow correlation mode alone; the reply deadline, retention and bounds both modes
/// share are in CorrelationOptions.
/// </summary>
internal sealed class WorkflowOptions
{
    public const string SectionName = "Workflows";

    // How often finished instances older than Correlation:Retention are purged.
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(1);
}
