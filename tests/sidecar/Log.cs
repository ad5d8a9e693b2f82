namespace TestSidecar;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Starting test sidecar for app {AppId}: HTTP API on {HttpPort}, gRPC API on {GrpcPort}, app port {AppPort}, app max concurrency {MaxConcurrency}")]
    public static partial void Starting(ILogger logger, string appId, int httpPort, int grpcPort, string appPort, int maxConcurrency);

    [LoggerMessage(2, LogLevel.Information, "Component loaded: {Name} ({Type}/{Version})")]
    public static partial void ComponentLoaded(ILogger logger, string name, string type, string version);

    [LoggerMessage(3, LogLevel.Information, "Sidecar ready for app {AppId} with {Count} subscription(s)")]
    public static partial void Ready(ILogger logger, string appId, int count);

    [LoggerMessage(4, LogLevel.Information, "Waiting for the app to listen on port {Port}")]
    public static partial void WaitingForApp(ILogger logger, int port);

    [LoggerMessage(5, LogLevel.Error, "The app never listened on port {Port} within {Timeout}; running without subscriptions")]
    public static partial void AppNeverListened(ILogger logger, int port, TimeSpan timeout);

    [LoggerMessage(6, LogLevel.Warning, "Reading subscriptions from GET /dapr/subscribe failed (attempt {Attempt}): {Error}")]
    public static partial void SubscribeListFailed(ILogger logger, string error, int attempt);

    [LoggerMessage(7, LogLevel.Warning, "Subscription to topic {Topic} names pubsub {PubSub}, which is not loaded for this app; skipped")]
    public static partial void SubscriptionPubSubMissing(ILogger logger, string pubSub, string topic);

    [LoggerMessage(8, LogLevel.Warning, "Topic {Topic}: routing rule match '{Match}' -> {Path} needs CEL, which the test sidecar does not evaluate; rule ignored")]
    public static partial void RuleNotSupported(ILogger logger, string topic, string match, string path);

    [LoggerMessage(9, LogLevel.Information, "Subscribed: pubsub {PubSub} topic {Topic} -> {Path} (dead letter '{DeadLetterTopic}', consumer group {ConsumerGroup})")]
    public static partial void Subscribed(ILogger logger, string pubSub, string topic, string path, string deadLetterTopic, string consumerGroup);

    // Debug, as deliveries are: daprd logs nothing for a successful publish (pkg/api/grpc PublishEvent).
    [LoggerMessage(10, LogLevel.Debug, "Published to {PubSub}/{Topic} as {EntryId} (traceparent {TraceParent})")]
    public static partial void Published(ILogger logger, string pubSub, string topic, string entryId, string traceParent);

    [LoggerMessage(11, LogLevel.Warning, "Publish to {Component}/{Topic} failed (attempt {Attempt}), retrying in {Delay}: {Error}")]
    public static partial void PublishRetry(ILogger logger, string component, string topic, int attempt, TimeSpan delay, string error);

    // daprd logs a delivery at debug level only.
    [LoggerMessage(20, LogLevel.Debug, "Delivered event {EventId} (entry {EntryId}) from {Topic} to {Path} on attempt {Attempt}")]
    public static partial void Delivered(ILogger logger, string eventId, string entryId, string topic, string path, int attempt);

    [LoggerMessage(21, LogLevel.Warning, "Retry {Attempt} of event {EventId} from {Topic} in {Delay}: {Detail}")]
    public static partial void Retrying(ILogger logger, string eventId, string topic, int attempt, TimeSpan delay, string detail);

    [LoggerMessage(22, LogLevel.Warning, "Dropped event {EventId} from {Topic}: {Detail}")]
    public static partial void Dropped(ILogger logger, string eventId, string topic, string detail);

    [LoggerMessage(23, LogLevel.Error, "Event {EventId} from {Topic} failed after {Attempts} attempt(s): {Detail}")]
    public static partial void RetriesExhausted(ILogger logger, string eventId, string topic, int attempts, string detail);

    [LoggerMessage(24, LogLevel.Warning, "Dead-lettered entry {EntryId} from {Topic} to {DeadLetterTopic} as {NewEntryId}")]
    public static partial void DeadLettered(ILogger logger, string entryId, string topic, string deadLetterTopic, string newEntryId);

    [LoggerMessage(25, LogLevel.Error, "Sending a message from {Topic} to dead letter topic {DeadLetterTopic} failed: {Error}")]
    public static partial void DeadLetterFailed(ILogger logger, string topic, string deadLetterTopic, string error);

    [LoggerMessage(26, LogLevel.Error, "Entry {EntryId} in {Topic} is not a JSON CloudEvent")]
    public static partial void NotACloudEvent(ILogger logger, string entryId, string topic);

    [LoggerMessage(29, LogLevel.Error, "Error deserializing pubsub metadata of the subscription to {Topic}: {Error}")]
    public static partial void SubscriptionMetadataInvalid(ILogger logger, string topic, string error);

    [LoggerMessage(27, LogLevel.Warning, "Dropping expired event {EventId} from {Topic}")]
    public static partial void Expired(ILogger logger, string eventId, string topic);

    [LoggerMessage(28, LogLevel.Warning, "No route for event {EventId} from {Topic}; skipped")]
    public static partial void NoRoute(ILogger logger, string eventId, string topic);

    [LoggerMessage(40, LogLevel.Information, "Created consumer group {Group} on stream {Topic}")]
    public static partial void GroupCreated(ILogger logger, string group, string topic);

    [LoggerMessage(41, LogLevel.Warning, "Consumer group {Group} does not exist for stream {Topic}; recreating it")]
    public static partial void GroupMissing(ILogger logger, string group, string topic);

    [LoggerMessage(42, LogLevel.Error, "Error reading from stream {Topic}: {Error}")]
    public static partial void ReadFailed(ILogger logger, string topic, string error);

    [LoggerMessage(43, LogLevel.Error, "Error reclaiming pending entries of {Topic}: {Error}")]
    public static partial void ReclaimFailed(ILogger logger, string topic, string error);

    [LoggerMessage(44, LogLevel.Warning, "Reclaimed pending entry {EntryId} of {Topic} for consumer {Consumer}")]
    public static partial void Reclaimed(ILogger logger, string entryId, string topic, string consumer);

    [LoggerMessage(45, LogLevel.Warning, "Entry {EntryId} of {Topic} left pending ({Reason})")]
    public static partial void LeftPending(ILogger logger, string entryId, string topic, string reason);

    [LoggerMessage(46, LogLevel.Error, "Error processing Redis message {EntryId} of {Topic}: {Error}")]
    public static partial void HandlerFailed(ILogger logger, string entryId, string topic, string error);

    [LoggerMessage(47, LogLevel.Error, "Error acknowledging Redis message {EntryId}: {Error}")]
    public static partial void AckFailed(ILogger logger, string entryId, string error);

    [LoggerMessage(48, LogLevel.Warning, "Component {Name}: drain exceeded {Limit}; closing the subscriptions with {InFlight} delivery(ies) in flight")]
    public static partial void DrainCeilingReached(ILogger logger, string name, TimeSpan limit, int inFlight);

    [LoggerMessage(49, LogLevel.Warning, "Component {Name}: maxLenApprox and streamTTL cannot be used together; maxLenApprox wins")]
    public static partial void TrimmingConflict(ILogger logger, string name);

    [LoggerMessage(50, LogLevel.Warning, "Component {Name}: redeliverInterval '{Value}' is not a number of milliseconds; pubsub.redis ignores it and keeps {Effective}")]
    public static partial void RedeliverIntervalIgnored(ILogger logger, string name, string value, TimeSpan effective);

    [LoggerMessage(60, LogLevel.Error, "CompleteOrchestratorTask body is not a Dapr WorkflowResponse; passed through unchanged: {Error}")]
    public static partial void BridgeParseFailed(ILogger logger, string error);

    [LoggerMessage(61, LogLevel.Warning, "Work item stream of {Peer} closed with {Count} work item(s) not completed; abandoned for the next worker")]
    public static partial void WorkItemsAbandoned(ILogger logger, string peer, int count);

    [LoggerMessage(130, LogLevel.Information, "Workflow state: resumed {Instances} instance(s) from the actor state store ({Activities} activities dispatched again, {Timers} timers armed again)")]
    public static partial void WorkflowsResumed(ILogger logger, int instances, int activities, int timers);

    [LoggerMessage(131, LogLevel.Warning, "Workflow state: reading the instances to resume failed, retrying in {Delay}: {Error}")]
    public static partial void WorkflowsResumeFailed(ILogger logger, TimeSpan delay, string error);

    [LoggerMessage(132, LogLevel.Warning, "Workflow {InstanceId}: turn failed, retrying in {Delay}: {Error}")]
    public static partial void WorkflowTurnFailed(ILogger logger, string instanceId, TimeSpan delay, string error);

    [LoggerMessage(133, LogLevel.Warning, "Workflow {InstanceId}: event not saved, retrying in {Delay}: {Error}")]
    public static partial void WorkflowEventRetry(ILogger logger, string instanceId, TimeSpan delay, string error);

    [LoggerMessage(65, LogLevel.Warning, "State store {Store}: {Operation} failed (attempt {Attempt}), retrying in {Delay}: {Error}")]
    public static partial void StateRetry(ILogger logger, string store, string operation, int attempt, TimeSpan delay, string error);

    [LoggerMessage(70, LogLevel.Information, "Configuration {Name} read; its workflow.stateRetentionPolicy is applied, its tracing, metrics and features settings are not applied by the test sidecar")]
    public static partial void ConfigurationRead(ILogger logger, string name);

    // daprd says nothing in these cases; the warnings are the test sidecar's own diagnostics.
    [LoggerMessage(71, LogLevel.Warning, "Resiliency {Resiliency}: retry policy {Policy} sets {Fields}, which Dapr's Resiliency schema does not have; daprd drops them silently, and so does the test sidecar (an exponential retry starts at 500ms, grows x1.5 with +/-50% jitter and gives up after 15m)")]
    public static partial void RetryFieldsDropped(ILogger logger, string resiliency, string policy, string fields);

    [LoggerMessage(72, LogLevel.Warning, "Resiliency: component {Component} {Direction} names {Kind} policy '{Policy}', which no Resiliency defines; daprd silently applies none, and so does the test sidecar")]
    public static partial void PolicyNotDefined(ILogger logger, string component, string direction, string kind, string policy);

    // daprd's OnStateChange line (pkg/resiliency/breaker/circuitbreaker.go Initialize).
    [LoggerMessage(73, LogLevel.Information, "Circuit breaker \"{Name}\" changed state from {From} to {To}")]
    public static partial void CircuitBreakerStateChanged(ILogger logger, string name, string from, string to);

    [LoggerMessage(74, LogLevel.Warning, "{File}: a Resiliency that is not the first document of its file is not loaded by daprd (one yaml.Unmarshal per file); ignored")]
    public static partial void ResiliencyNotFirstDocument(ILogger logger, string file);

    [LoggerMessage(120, LogLevel.Warning, "failed to subscribe to topics: {Error}")]
    public static partial void SubscribeFailed(ILogger logger, string error);

    [LoggerMessage(121, LogLevel.Error, "error getting topics from app: {Error}")]
    public static partial void SubscriptionsUnreadable(ILogger logger, string error);

    [LoggerMessage(122, LogLevel.Debug, "user app did not subscribe to any topic")]
    public static partial void NoSubscriptions(ILogger logger);

    [LoggerMessage(123, LogLevel.Error, "app returned http status code {Status} from subscription endpoint")]
    public static partial void SubscribeEndpointStatus(ILogger logger, int status);

    [LoggerMessage(124, LogLevel.Warning, "topic {Topic} has an empty routes. removing from subscriptions list")]
    public static partial void EmptyRoutes(ILogger logger, string topic);

    [LoggerMessage(125, LogLevel.Error, "Failed to start subscription for pubsub {PubSub}, topic {Topic}: {Error}")]
    public static partial void SubscriptionNotStarted(ILogger logger, string pubSub, string topic, string error);

    [LoggerMessage(126, LogLevel.Error, "Retry failed for subscription pubsub {PubSub}, topic {Topic}: {Error}. Will retry.")]
    public static partial void SubscriptionRetryFailed(ILogger logger, string pubSub, string topic, string error);

    [LoggerMessage(75, LogLevel.Information, "metrics server started on :{Port}/")]
    public static partial void MetricsServerStarted(ILogger logger, int port);

    // Shutdown: daprd's own lines (dapr/kit signals, pkg/runtime/runtime.go, dapr/kit concurrency/closer.go).
    [LoggerMessage(90, LogLevel.Information, "Received signal '{Signal}'; beginning shutdown")]
    public static partial void ShutdownSignal(ILogger logger, string signal);

    [LoggerMessage(91, LogLevel.Critical, "Received signal '{Signal}' during shutdown; exiting immediately")]
    public static partial void SecondSignal(ILogger logger, string signal);

    [LoggerMessage(92, LogLevel.Information, "Blocking graceful shutdown for {Duration} or until app reports unhealthy...")]
    public static partial void BlockingShutdown(ILogger logger, TimeSpan duration);

    [LoggerMessage(93, LogLevel.Information, "Block shutdown period expired, entering shutdown...")]
    public static partial void BlockExpired(ILogger logger);

    [LoggerMessage(94, LogLevel.Information, "App reported unhealthy, entering shutdown...")]
    public static partial void BlockEndedAppUnhealthy(ILogger logger);

    [LoggerMessage(95, LogLevel.Information, "Dapr is shutting down")]
    public static partial void ShuttingDown(ILogger logger);

    [LoggerMessage(96, LogLevel.Critical, "Graceful shutdown timeout exceeded, forcing shutdown")]
    public static partial void GraceExceeded(ILogger logger);

    [LoggerMessage(97, LogLevel.Information, "Dapr runtime stopped")]
    public static partial void RuntimeStopped(ILogger logger);

    [LoggerMessage(100, LogLevel.Information, "App health probes starting: GET {Path} every {Interval}, timeout {Timeout}, threshold {Threshold}")]
    public static partial void AppHealthProbesStarting(ILogger logger, string path, TimeSpan interval, TimeSpan timeout, int threshold);

    [LoggerMessage(101, LogLevel.Information, "App entered healthy status")]
    public static partial void AppEnteredHealthy(ILogger logger);

    [LoggerMessage(102, LogLevel.Warning, "App entered un-healthy status: {Reason}")]
    public static partial void AppEnteredUnhealthy(ILogger logger, string reason);

    [LoggerMessage(103, LogLevel.Information, "App subscriptions started ({Count})")]
    public static partial void AppSubscriptionsStarted(ILogger logger, int count);

    [LoggerMessage(104, LogLevel.Information, "App subscriptions stopped ({Count})")]
    public static partial void AppSubscriptionsStopped(ILogger logger, int count);
}
