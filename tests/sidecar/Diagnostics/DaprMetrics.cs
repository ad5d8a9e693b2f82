using System.Diagnostics;
using System.Text;

namespace TestSidecar.Diagnostics;

/// <summary>
/// daprd's metrics for what the sidecar does, with daprd's names (the exporter's <c>dapr</c> namespace
/// + the view name, '/' as '_'), help texts, label keys and latency buckets (milliseconds):
/// dapr/dapr v1.18.3 pkg/diagnostics/component_monitoring.go (pub/sub ingress and egress, state),
/// resiliency_monitoring.go, workflow_monitoring.go, metrics.go and pkg/config/configuration.go
/// GetLatencyDistribution. Served by <see cref="MetricsEndpoint"/> on <c>--metrics-port</c>.
/// When the Configuration turns metrics off (<c>spec.metric.enabled: false</c>) no view is registered
/// and nothing is recorded, as in daprd.
/// </summary>
internal sealed class DaprMetrics
{
    /// <summary>configuration.go defaultLatencyDistribution.</summary>
    public static readonly double[] DefaultLatencyBuckets =
        [1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 20, 25, 30, 40, 50, 65, 80, 100, 130, 160, 200, 250, 300, 400, 500, 650, 800, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000];

    public const string Success = "success";
    public const string Retry = "retry";
    public const string Drop = "drop";

    // workflow_monitoring.go
    public const string StatusSuccess = "success";
    public const string StatusFailed = "failed";
    public const string StatusTerminated = "terminated";
    public const string CreateWorkflow = "create_workflow";
    public const string AddEvent = "add_event";
    public const string PurgeWorkflow = "purge_workflow";

    // component_monitoring.go
    public const string Get = "get";
    public const string Set = "set";
    public const string Delete = "delete";
    public const string BulkGet = "bulk_get";

    private readonly string _appId;
    private readonly string _namespace;
    private readonly List<MetricFamily> _families = [];

    private readonly MetricFamily? _pubsubIngressCount, _pubsubIngressLatency, _pubsubEgressCount, _pubsubEgressLatency, _stateCount, _stateLatency;
    private readonly MetricFamily? _resiliencyLoaded, _resiliencyCount, _resiliencyActivations, _circuitBreakerState;
    private readonly MetricFamily? _workflowOperationCount, _workflowOperationLatency, _workflowExecutionCount, _workflowExecutionLatency;
    private readonly MetricFamily? _activityOperationCount, _activityOperationLatency, _activityExecutionCount, _activityExecutionLatency;

    public DaprMetrics(string appId, string @namespace, bool enabled = true, IReadOnlyList<double>? latencyBuckets = null)
    {
        _appId = appId;
        _namespace = @namespace;
        if (!enabled)
        {
            return;
        }
        var latency = latencyBuckets is { Count: > 0 } ? latencyBuckets : DefaultLatencyBuckets;
        string[] ingress = ["app_id", "component", "namespace", "process_status", "topic", "status"];
        string[] egress = ["app_id", "component", "namespace", "success", "topic"];
        string[] state = ["app_id", "component", "namespace", "operation", "success"];
        _pubsubIngressLatency = Add("component/pubsub_ingress/latencies", "The consuming app event processing latency.", MetricKind.Histogram, ingress, latency);
        _pubsubIngressCount = Add("component/pubsub_ingress/count", "The number of incoming messages arriving from the pub/sub component.", MetricKind.Counter, ingress);
        _pubsubEgressLatency = Add("component/pubsub_egress/latencies", "The latency of the response from the pub/sub component.", MetricKind.Histogram, egress, latency);
        _pubsubEgressCount = Add("component/pubsub_egress/count", "The number of outgoing messages published to the pub/sub component.", MetricKind.Counter, egress);
        _stateLatency = Add("component/state/latencies", "The latency of the response from the state component.", MetricKind.Histogram, state, latency);
        _stateCount = Add("component/state/count", "The number of operations performed on the state component.", MetricKind.Counter, state);

        string[] policy = ["app_id", "name", "policy", "namespace", "flow_direction", "target", "status"];
        _resiliencyLoaded = Add("resiliency/loaded", "Number of resiliency policies loaded.", MetricKind.Counter, ["app_id", "name", "namespace"]);
        _resiliencyCount = Add("resiliency/count", "Number of times a resiliency policyKey has been applied to a building block.", MetricKind.Counter, policy);
        _resiliencyActivations = Add("resiliency/activations_total", "Number of times a resiliency policyKey has been activated in a building block after a failure or after a state change.", MetricKind.Counter, policy);
        _circuitBreakerState = Add("resiliency/cb_state", "A resiliency policy's current CircuitBreakerState state. 0 is closed, 1 is half-open, 2 is open, and -1 is unknown.", MetricKind.Gauge, policy);

        string[] operation = ["app_id", "namespace", "operation", "status"];
        string[] workflow = ["app_id", "namespace", "workflow_name", "status"];
        string[] activity = ["app_id", "namespace", "activity_name", "status"];
        _workflowOperationCount = Add("runtime/workflow/operation/count", "The number of successful/failed workflow operation requests.", MetricKind.Counter, operation);
        _workflowOperationLatency = Add("runtime/workflow/operation/latency", "The latencies of responses for workflow operation requests.", MetricKind.Histogram, operation, latency);
        _workflowExecutionCount = Add("runtime/workflow/execution/count", "The number of successful/failed/terminated/recoverable workflow executions.", MetricKind.Counter, workflow);
        _activityOperationCount = Add("runtime/workflow/activity/operation/count", "The number of successful/failed activity operation requests.", MetricKind.Counter, activity);
        _activityOperationLatency = Add("runtime/workflow/activity/operation/latency", "The latencies of responses for activity operation requests.", MetricKind.Histogram, activity, latency);
        _activityExecutionCount = Add("runtime/workflow/activity/execution/count", "The number of successful/failed/recoverable activity executions.", MetricKind.Counter, activity);
        _activityExecutionLatency = Add("runtime/workflow/activity/execution/latency", "The total time taken to run an activity to completion.", MetricKind.Histogram, activity, latency);
        _workflowExecutionLatency = Add("runtime/workflow/execution/latency", "The total time taken to run workflow to completion.", MetricKind.Histogram, workflow, latency);
    }

    /// <summary>ElapsedSince: milliseconds with their fraction.</summary>
    public static double ElapsedMilliseconds(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;

    /// <summary>PubsubIngressEvent: one per delivery attempt and per give-up; an empty status takes the process status.</summary>
    public void PubsubIngressEvent(string component, string processStatus, string status, string topic, double elapsed)
    {
        if (status.Length == 0)
        {
            status = processStatus;
        }
        CountAndLatency(_pubsubIngressCount, _pubsubIngressLatency, elapsed, _appId, component, _namespace, processStatus, topic, status);
    }

    public void PubsubEgressEvent(string component, string topic, bool success, double elapsed) =>
        CountAndLatency(_pubsubEgressCount, _pubsubEgressLatency, elapsed, _appId, component, _namespace, GoBool(success), topic);

    public void StateInvoked(string component, string operation, bool success, double elapsed) =>
        CountAndLatency(_stateCount, _stateLatency, elapsed, _appId, component, _namespace, operation, GoBool(success));

    public void PolicyLoaded(string resiliencyName, string @namespace) =>
        _resiliencyLoaded?.Record(1, _appId, resiliencyName, @namespace);

    /// <summary>
    /// PolicyWithStatusExecuted: a policy of a component handed to a call. For a circuit breaker also the
    /// cb_state gauge: one series per state (closed, half-open, open, unknown), 1 for <paramref name="status"/>.
    /// </summary>
    public void PolicyExecuted(string resiliencyName, string @namespace, string policy, string direction, string target, string status = "")
    {
        _resiliencyCount?.Record(1, _appId, resiliencyName, policy, @namespace, direction, target, status);
        if (policy == PolicyKinds.CircuitBreaker)
        {
            foreach (var state in (string[])["closed", "half-open", "open", "unknown"])
            {
                _circuitBreakerState?.Record(state == status ? 1 : 0, _appId, resiliencyName, policy, @namespace, direction, target, state);
            }
        }
    }

    public void PolicyActivated(string resiliencyName, string @namespace, string policy, string direction, string target, string status = "") =>
        _resiliencyActivations?.Record(1, _appId, resiliencyName, policy, @namespace, direction, target, status);

    public void WorkflowOperationEvent(string operation, string status, double elapsed) =>
        CountAndLatency(_workflowOperationCount, _workflowOperationLatency, elapsed, _appId, _namespace, operation, status);

    /// <summary>WorkflowExecutionEvent and WorkflowExecutionLatency, recorded together when a workflow completes.</summary>
    public void WorkflowExecutionEvent(string workflowName, string status, double elapsed) =>
        CountAndLatency(_workflowExecutionCount, _workflowExecutionLatency, elapsed, _appId, _namespace, workflowName, status);

    public void ActivityOperationEvent(string activityName, string status, double elapsed) =>
        CountAndLatency(_activityOperationCount, _activityOperationLatency, elapsed, _appId, _namespace, activityName, status);

    public void ActivityExecutionEvent(string activityName, string status, double elapsed) =>
        CountAndLatency(_activityExecutionCount, _activityExecutionLatency, elapsed, _appId, _namespace, activityName, status);

    /// <summary>The Prometheus text exposition: families sorted by name, as client_golang's Gather.</summary>
    public string Exposition()
    {
        var text = new StringBuilder();
        foreach (var family in _families.OrderBy(f => f.Name, StringComparer.Ordinal))
        {
            family.WriteTo(text);
        }
        return text.ToString();
    }

    private MetricFamily Add(string view, string help, MetricKind kind, string[] labels, IReadOnlyList<double>? buckets = null)
    {
        var family = new MetricFamily("dapr_" + view.Replace('/', '_'), help, kind, labels, buckets);
        _families.Add(family);
        return family;
    }

    // Every pair of count and latency views in daprd records the count, and the latency only when the
    // elapsed time is above zero (component_monitoring.go, workflow_monitoring.go: "if elapsed > 0").
    private static void CountAndLatency(MetricFamily? count, MetricFamily? latency, double elapsed, params string[] labelValues)
    {
        count?.Record(1, labelValues);
        if (elapsed > 0)
        {
            latency?.Record(elapsed, labelValues);
        }
    }

    private static string GoBool(bool value) => value ? "true" : "false";
}

/// <summary>resiliency_monitoring.go PolicyType and PolicyFlowDirection values.</summary>
internal static class PolicyKinds
{
    public const string CircuitBreaker = "circuitbreaker";
    public const string Retry = "retry";
    public const string Timeout = "timeout";
    public const string Outbound = "outbound";
    public const string Inbound = "inbound";
}
