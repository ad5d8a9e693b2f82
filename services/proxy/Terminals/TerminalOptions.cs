using System.ComponentModel.DataAnnotations;

namespace RedisStreamDemo.Proxy.Terminals;

internal sealed class TerminalOptions
{
    public const string SectionName = "Terminals";

    // One request per terminal at a time; keep dapr.yaml's appMaxConcurrency in step.
    [Range(1, 1024)]
    public int Count { get; set; } = 4;

    // Stands for the real terminal's work; zero is allowed (tests, benchmarks of the plumbing).
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan ProcessingTime { get; set; } = TimeSpan.FromMilliseconds(20);

    // How long a delivery waits for a free terminal before it is answered RETRY (backpressure).
    // Well below the sidecar's appCall timeout, so Dapr hears RETRY instead of a timeout.
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:20")]
    public TimeSpan AcquireTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
