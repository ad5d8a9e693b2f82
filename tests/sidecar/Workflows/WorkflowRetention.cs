using DurableTask.Core;
using TestSidecar.Resources;
using YamlDotNet.RepresentationModel;

namespace TestSidecar.Workflows;

/// <summary>
/// The Configuration's <c>spec.workflow.stateRetentionPolicy</c> (dapr/dapr v1.18.3
/// pkg/config/configuration.go WorkflowStateRetentionPolicy): how long a finished instance's state
/// stays before daprd purges it. orchestrator/run.go handleRetention picks the status's own duration,
/// else <c>anyTerminal</c>, from the instance's completion time; none configured keeps state forever.
/// </summary>
internal sealed record WorkflowRetention(TimeSpan? AnyTerminal, TimeSpan? Completed, TimeSpan? Failed, TimeSpan? Terminated)
{
    public static readonly WorkflowRetention None = new(null, null, null, null);

    public TimeSpan? For(OrchestrationStatus status) => status switch
    {
        OrchestrationStatus.Completed when Completed is not null => Completed,
        OrchestrationStatus.Terminated when Terminated is not null => Terminated,
        OrchestrationStatus.Failed when Failed is not null => Failed,
        _ => AnyTerminal,
    };

    public static WorkflowRetention From(YamlMappingNode? configuration)
    {
        var policy = DaprResources.Child(DaprResources.Child(DaprResources.Child(configuration, "spec"), "workflow"), "stateRetentionPolicy");
        if (policy is null)
        {
            return None;
        }
        TimeSpan? Duration(string key) => DaprResources.Scalar(policy, key) is { Length: > 0 } text ? GoDuration.Parse(text) : null;
        return new WorkflowRetention(Duration("anyTerminal"), Duration("completed"), Duration("failed"), Duration("terminated"));
    }
}
