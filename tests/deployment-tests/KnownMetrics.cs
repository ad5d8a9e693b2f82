namespace Deployment.Tests;

// The one list of metric names the dashboards and alert rules may use. App names are what the
// OpenTelemetry Prometheus exporter makes of the apps' instruments (dots to underscores, unit
// suffix, _total on counters); a live-scrape test checks App against /metrics.
public static class KnownMetrics
{
    public static readonly IReadOnlyList<string> App =
    [
        "ingress_requests_total",
        "ingress_reply_duration_seconds_bucket",
        "ingress_reply_duration_seconds_sum",
        "ingress_reply_duration_seconds_count",
        "ingress_requests_in_flight",
        "ingress_replies_received_total",
        "ingress_replies_deadlettered_total",
        "ingress_workflows_purged_total",
        "proxy_terminals_busy",
        "proxy_terminals_capacity",
        "proxy_requests_processed_total",
        "proxy_requests_retried_total",
        "proxy_requests_duplicate_total",
        "proxy_requests_deadlettered_total",
        "proxy_processing_duration_seconds_bucket",
        "http_server_request_duration_seconds_bucket",
        "http_server_request_duration_seconds_sum",
        "http_server_request_duration_seconds_count",
    ];

    // daprd's metrics (dapr/dapr docs/development/dapr-metrics.md, pkg/diagnostics).
    public static readonly IReadOnlyList<string> DaprSidecar =
    [
        "dapr_component_pubsub_ingress_count",
        "dapr_component_pubsub_ingress_latencies_bucket",
        "dapr_component_pubsub_egress_count",
        "dapr_component_pubsub_egress_latencies_bucket",
        "dapr_component_state_count",
        "dapr_component_state_latencies_bucket",
        "dapr_runtime_workflow_operation_count",
        "dapr_runtime_workflow_execution_count",
        "dapr_runtime_workflow_activity_execution_count",
        "dapr_resiliency_count",
        "dapr_resiliency_activations_total",
        "dapr_resiliency_cb_state",
    ];

    // oliver006/redis_exporter with --check-streams.
    public static readonly IReadOnlyList<string> RedisExporter =
    [
        "redis_stream_length",
        "redis_stream_group_messages_pending",
        "redis_stream_group_lag",
    ];

    public static readonly IReadOnlyList<string> Prometheus = ["up"];

    public static IEnumerable<string> All => App.Concat(DaprSidecar).Concat(RedisExporter).Concat(Prometheus);
}
