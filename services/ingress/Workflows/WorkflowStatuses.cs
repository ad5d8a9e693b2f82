using Dapr.Workflow;

namespace RedisStreamDemo.Ingress.Workflows;

/// <summary>What a workflow instance's runtime status says about it.</summary>
internal static class WorkflowStatuses
{
    // The instance will not run again: its output, if any, is final.
    public static bool IsTerminal(this WorkflowRuntimeStatus status) => status is
        WorkflowRuntimeStatus.Completed or WorkflowRuntimeStatus.Failed or
        WorkflowRuntimeStatus.Terminated or WorkflowRuntimeStatus.Canceled;
}
