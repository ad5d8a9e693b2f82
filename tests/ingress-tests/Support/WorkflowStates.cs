using System.Reflection;
using System.Text.Json;
using Dapr.Common.Serialization;
using Dapr.Workflow;
using RedisStreamDemo.Ingress.Workflows;

namespace Ingress.Tests.Support;

// WorkflowState (Dapr.Workflow 1.18) has only an internal constructor taking the internal
// WorkflowMetadata record, so the states a substituted IDaprWorkflowClient returns are built by
// reflection. Pinned to the package version; a rename shows up here as a failing helper, not as
// a wrong test.
internal static class WorkflowStates
{
    private static readonly Type MetadataType =
        typeof(WorkflowState).Assembly.GetType("Dapr.Workflow.Client.WorkflowMetadata", throwOnError: true)!;

    private static readonly JsonDaprSerializer Serializer = new(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static WorkflowState Missing() => Create(null);

    public static WorkflowState Running(DateTime? createdAt = null) =>
        Of(WorkflowRuntimeStatus.Running, output: null, createdAt);

    public static WorkflowState Completed(ForecastWorkflowResult result) =>
        Of(WorkflowRuntimeStatus.Completed, JsonSerializer.Serialize(result, JsonSerializerOptions.Web));

    public static WorkflowState Of(WorkflowRuntimeStatus status, string? output = null, DateTime? createdAt = null)
    {
        var at = createdAt ?? DateTime.UtcNow;
        var metadata = Activator.CreateInstance(
            MetadataType,
            BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic,
            binder: null,
            [Guid.NewGuid().ToString("N"), nameof(ForecastWorkflow), status, at, at, Serializer],
            culture: null);
        MetadataType.GetProperty("SerializedOutput")!.SetValue(metadata, output);
        return Create(metadata);
    }

    private static WorkflowState Create(object? metadata) => (WorkflowState)Activator.CreateInstance(
        typeof(WorkflowState),
        BindingFlags.Instance | BindingFlags.NonPublic,
        binder: null,
        [metadata],
        culture: null)!;
}
