using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using TestSidecar.Diagnostics;
using TestSidecar.Hosting;
using TestSidecar.Resources;

namespace TestSidecar.PubSub;

/// <summary>
/// daprd's subscription side: reads the app's programmatic subscriptions once the app port
/// answers, subscribes the components, and delivers each message to the app with daprd's
/// response contract, inbound timeout and retry policy and dead-letter topic. Every attempt and every
/// give-up counts in <c>dapr_component_pubsub_ingress_count</c> (dapr/dapr v1.18.3
/// pkg/runtime/subscription/postman/http/http.go Deliver: per call to the app, with its latency;
/// pkg/runtime/subscription/subscription.go: per message given up before or after the app, without one).
/// </summary>
internal sealed class SubscriptionRuntime(
    PubSubRuntime pubsub,
    AppChannel app,
    SidecarOptions options,
    SidecarState state,
    ILogger<SubscriptionRuntime> logger,
    DaprMetrics? metrics = null) : BackgroundService
{
    // daprd's built-in DaprBuiltInInitializationRetries (pkg/resiliency/resiliency.go): exponential from
    // 500ms, at most 1s apart, 3 retries (its 10s elapsed-time cap is not reproduced: the kit's 15m applies).
    private static readonly RetryPolicy InitializationRetries = new("DaprBuiltInInitializationRetries", true, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1), 3);
    private readonly List<RunningSubscription> _running = [];
    private readonly SemaphoreSlim _appHealthLock = new(1, 1);
    private IReadOnlyList<AppSubscription>? _loaded;
    private bool _subscriptionsActive;

    private readonly List<AppSubscription> _active = [];
    private IReadOnlyList<AppSubscription> _programmatic = [];

    /// <summary>The subscriptions made (consumer group created, poll loop running).</summary>
    public IReadOnlyList<AppSubscription> Active
    {
        get
        {
            lock (_active)
            {
                return [.. _active];
            }
        }
    }

    /// <summary>
    /// What the app answered on GET /dapr/subscribe (without the entries that have no route), made or not:
    /// daprd's metadata API lists these (compstore ListTypedSubscriptions), scopes notwithstanding.
    /// </summary>
    public IReadOnlyList<AppSubscription> Programmatic => Volatile.Read(ref _programmatic);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            if (app.Configured && await WaitForAppPortAsync(stoppingToken))
            {
                if (options.AppHealthCheck is { } healthCheck)
                {
                    StartAppHealthChecks(healthCheck, stoppingToken);
                }
                else
                {
                    await StartAppSubscriptionsAsync(stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        state.MarkReady();
        if (options.AppHealthCheck is null)
        {
            state.AppHealthChanged(healthy: true);
        }
        Log.Ready(logger, options.AppId, Active.Count);
    }

    // runtime.go blockUntilAppIsReady: wait for the app port (the sidecar gives up after --app-start-timeout-seconds).
    private async Task<bool> WaitForAppPortAsync(CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        Log.WaitingForApp(logger, options.AppPort ?? 0);
        while (!await PortOpenAsync(cancellationToken))
        {
            if (TimeProvider.System.GetElapsedTime(started) > options.AppStartTimeout)
            {
                Log.AppNeverListened(logger, options.AppPort ?? 0, options.AppStartTimeout);
                return false;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
        return true;
    }

    /// <summary>
    /// dapr/dapr v1.18.3 pkg/runtime/pubsub/subscriptions.go GetSubscriptionsHTTP, called once
    /// (pkg/runtime/processor/subscriber/subscriber.go initProgrammaticSubscriptions sets hasInitProg
    /// first): only a call that fails is retried, under the built-in initialization policy; an answer is
    /// final. 200 is decoded (unreadable: logged, no subscriptions); 404 means no subscriptions; any other
    /// status, 2xx included, is logged and means no subscriptions. Entries without a route are dropped.
    /// </summary>
    private async Task<IReadOnlyList<AppSubscription>> LoadSubscriptionsAsync(CancellationToken cancellationToken)
    {
        int status;
        byte[] body;
        var started = TimeProvider.System.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, app.Resolve("/dapr/subscribe"));
                request.Headers.TryAddWithoutValidation("dapr-app-id", options.AppId);
                (status, body) = await app.SendAsync(request, cancellationToken);
                break;
            }
            catch (HttpRequestException ex)
            {
                var delay = InitializationRetries.NextDelay(attempt, TimeProvider.System.GetElapsedTime(started));
                if (delay is null)
                {
                    Log.SubscribeFailed(logger, ex.Message);
                    return [];
                }
                Log.SubscribeListFailed(logger, ex.Message, attempt);
                await Task.Delay(delay.Value, cancellationToken);
            }
        }

        IReadOnlyList<AppSubscription> subscriptions;
        switch (status)
        {
            case 200:
                try
                {
                    subscriptions = AppSubscription.ParseList(body);
                }
                catch (Exception ex) when (ex is JsonException or FormatException)
                {
                    Log.SubscriptionsUnreadable(logger, ex.Message);
                    return [];
                }
                break;
            case 404:
                Log.NoSubscriptions(logger);
                return [];
            default:
                Log.SubscribeEndpointStatus(logger, status);
                return [];
        }

        foreach (var empty in subscriptions.Where(s => s.Rules.Count == 0))
        {
            Log.EmptyRoutes(logger, empty.Topic);
        }
        return [.. subscriptions.Where(s => s.Rules.Count > 0)];
    }

    private async Task<bool> PortOpenAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(1));
            await client.ConnectAsync("127.0.0.1", options.AppPort ?? 0, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return false;
        }
    }

    /// <summary>Subscribes one subscription, or answers daprd's error for it.</summary>
    private async Task<string?> SubscribeAsync(AppSubscription subscription, RunningSubscription running, CancellationToken stoppingToken)
    {
        if (!pubsub.Components.TryGetValue(subscription.PubsubName, out var component))
        {
            Log.SubscriptionPubSubMissing(logger, subscription.PubsubName, subscription.Topic);
            return null;
        }
        if (!pubsub.Scopes(subscription.PubsubName).SubscribeAllowed(subscription.Topic))
        {
            // pkg/runtime/subscription/subscription.go New refuses it before the component is asked for
            // anything (no consumer group); subscriber.go StartAppSubscriptions logs it and retries it
            // forever in the background (retrySubscription), which fails the same way every time.
            var error = $"subscription to topic '{subscription.Topic}' on pubsub '{subscription.PubsubName}' is not allowed";
            Log.SubscriptionNotStarted(logger, subscription.PubsubName, subscription.Topic, error);
            _ = RetryRefusedSubscriptionAsync(subscription, error, stoppingToken);
            return error;
        }
        foreach (var rule in subscription.Rules.Where(r => r.Match.Length > 0))
        {
            Log.RuleNotSupported(logger, subscription.Topic, rule.Match, rule.Path);
        }
        // subscription.go asks for the inbound policy once per subscription, not per message.
        var policy = pubsub.Resiliency.Inbound(subscription.PubsubName, Resiliency.Pubsub);
        await component.SubscribeAsync(subscription.Topic,
            (message, stopping, abort) => running.HandleAsync(() => HandleAsync(subscription, component, policy, message, stopping, abort, running), stopping),
            running.Token);
        lock (_running)
        {
            _running.Add(running);
        }
        lock (_active)
        {
            if (!_active.Contains(subscription))
            {
                _active.Add(subscription);
            }
        }
        Log.Subscribed(logger, subscription.PubsubName, subscription.Topic, subscription.DefaultPath ?? "", subscription.DeadLetterTopic ?? "", component.Settings.ConsumerId);
        return null;
    }

    // cenkalti/backoff v4 NewExponentialBackOff with MaxElapsedTime 0: from 500ms, x1.5 up to 60s, ±50%, no end.
    // The sidecar has no hot reload, so the scopes never change and every retry fails.
    private async Task RetryRefusedSubscriptionAsync(AppSubscription subscription, string error, CancellationToken stoppingToken)
    {
        var interval = RetryPolicy.InitialInterval;
        var max = TimeSpan.FromSeconds(60);
        try
        {
            while (true)
            {
                var low = interval * (1 - RetryPolicy.RandomizationFactor);
                await Task.Delay(low + ((interval * 2 * RetryPolicy.RandomizationFactor) * Random.Shared.NextDouble()), stoppingToken);
                Log.SubscriptionRetryFailed(logger, subscription.PubsubName, subscription.Topic, error);
                interval = interval >= max / RetryPolicy.Multiplier ? max : interval * RetryPolicy.Multiplier;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task HandleAsync(AppSubscription subscription, RedisStreamsPubSub component, ComponentPolicy? policy, StreamMessage message, CancellationToken stopping, CancellationToken abort, RunningSubscription running)
    {
        var metadata = new Dictionary<string, string>(message.Metadata, StringComparer.Ordinal) { ["pubsubName"] = subscription.PubsubName };

        bool raw;
        try
        {
            raw = CloudEvents.IsRawPayload(subscription.Metadata);
        }
        catch (FormatException ex)
        {
            Log.SubscriptionMetadataInvalid(logger, message.Topic, ex.Message);
            await DeadLetterOrThrowAsync(subscription, component, message, metadata, ex.Message, stopping);
            return;
        }

        // daprd delivers the stored bytes for a CloudEvent, and a new envelope around them for a raw payload.
        JsonObject? cloudEvent;
        var body = message.Data;
        if (raw)
        {
            (cloudEvent, body) = CloudEvents.FromRawPayload(message.Data, message.Topic, subscription.PubsubName, message.Metadata);
        }
        else
        {
            cloudEvent = ParseCloudEvent(message.Data);
            if (cloudEvent is null)
            {
                // daprd: error deserializing cloud event -> the dead-letter topic, else the error goes back
                // to the component (no inbound retry: the app is never called).
                Log.NotACloudEvent(logger, message.Id, message.Topic);
                await DeadLetterOrThrowAsync(subscription, component, message, metadata, "not a CloudEvent", stopping);
                return;
            }
            AddTraceFromMetadata(cloudEvent, message.Metadata);
        }

        var eventId = cloudEvent["id"]?.ToString() ?? "";
        if (Expired(cloudEvent))
        {
            Log.Expired(logger, eventId, message.Topic);
            metrics?.PubsubIngressEvent(subscription.PubsubName, DaprMetrics.Drop, "", message.Topic, 0);
            await TryDeadLetterAsync(subscription, component, message, metadata, stopping);
            return;
        }

        var path = subscription.DefaultPath;
        if (path is null)
        {
            Log.NoRoute(logger, eventId, message.Topic);
            metrics?.PubsubIngressEvent(subscription.PubsubName, DaprMetrics.Drop, DaprMetrics.Success, message.Topic, 0);
            await TryDeadLetterAsync(subscription, component, message, metadata, stopping);
            return;
        }

        // dapr/dapr pkg/runtime/subscription/subscription.go: each delivery runs under the pubsub's inbound policy.
        var started = TimeProvider.System.GetTimestamp();
        var timeouts = new TimeoutActivation(policy);
        for (var attempt = 1; ; attempt++)
        {
            var before = policy?.CircuitBreaker?.State ?? CircuitBreakerState.Closed;
            // policy.go: every attempt goes through the component's circuit breaker; its refusal is permanent
            // (no retry), and the event goes to the dead-letter topic without reaching the app.
            ulong generation = 0;
            try
            {
                generation = policy?.CircuitBreaker?.Allow() ?? 0;
            }
            catch (CircuitBreakerOpenException ex)
            {
                Log.RetriesExhausted(logger, eventId, message.Topic, attempt, ex.Message);
                ThrowIfClosed(running, ex.Message);
                await DeadLetterOrThrowAsync(subscription, component, message, metadata, ex.Message, stopping);
                return;
            }
            var called = TimeProvider.System.GetTimestamp();
            var (outcome, detail) = await DeliverAsync(path, body, cloudEvent, policy?.Timeout, abort);
            // postman/http Deliver: a DROP answer is process_status drop with status success, a 404 drop with drop.
            metrics?.PubsubIngressEvent(subscription.PubsubName, outcome switch { Outcome.Success => DaprMetrics.Success, Outcome.Drop => DaprMetrics.Drop, _ => DaprMetrics.Retry },
                outcome == Outcome.Drop && detail == DropAnswer ? DaprMetrics.Success : "", message.Topic, DaprMetrics.ElapsedMilliseconds(called));
            if (detail == DeadlineExceeded)
            {
                timeouts.Expired();
            }
            // daprd returns the drop as an error to its retry runner when the dead-letter publish fails.
            var failed = outcome == Outcome.Retry;
            if (outcome == Outcome.Drop)
            {
                Log.Dropped(logger, eventId, message.Topic, detail);
                failed = subscription.DeadLetterTopic is not null && !await TryDeadLetterAsync(subscription, component, message, metadata, stopping);
            }
            if (policy?.CircuitBreaker is { } breaker)
            {
                breaker.Report(generation, !failed);
                policy.Metrics?.BreakerAttempted(before, breaker);
            }
            if (outcome == Outcome.Success)
            {
                Log.Delivered(logger, eventId, message.Id, message.Topic, path, attempt);
                return;
            }
            if (!failed)
            {
                return;
            }

            var delay = policy?.Retry?.NextDelay(attempt, TimeProvider.System.GetElapsedTime(started));
            if (delay is null)
            {
                Log.RetriesExhausted(logger, eventId, message.Topic, attempt, detail);
                ThrowIfClosed(running, detail);
                await DeadLetterOrThrowAsync(subscription, component, message, metadata, detail, stopping);
                return;
            }
            policy?.Metrics?.RetryActivated();
            Log.Retrying(logger, eventId, message.Topic, attempt, delay.Value, detail);
            // The retries run under context.Background in daprd: shutdown does not cut them short.
            await Task.Delay(delay.Value, abort);
        }
    }

    // subscription.go: a delivery that failed while its subscription is closing is not dead-lettered.
    private static void ThrowIfClosed(RunningSubscription running, string detail)
    {
        if (running.Closed)
        {
            throw new InvalidOperationException(detail);
        }
    }

    private enum Outcome { Success, Retry, Drop }

    private const string DropAnswer = "DROP status returned from app";
    private const string DeadlineExceeded = "context deadline exceeded";

    // Go's json.Unmarshal into a map: an object, or null (an empty event); anything else is an error.
    private static JsonObject? ParseCloudEvent(byte[] data)
    {
        try
        {
            var node = JsonNode.Parse(data);
            return node is null ? [] : node as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // daprd falls back to the entry's metadata for trace fields the event lacks (traceparent supersedes traceid).
    private static void AddTraceFromMetadata(JsonObject cloudEvent, IReadOnlyDictionary<string, string> metadata)
    {
        if (!cloudEvent.ContainsKey("traceid") && metadata.TryGetValue("traceid", out var traceId))
        {
            cloudEvent["traceid"] = traceId;
        }
        if (!cloudEvent.ContainsKey("traceparent") && metadata.TryGetValue("traceparent", out var traceParent))
        {
            cloudEvent["traceparent"] = traceParent;
            cloudEvent["traceid"] = traceParent;
        }
        if (!cloudEvent.ContainsKey("tracestate") && metadata.TryGetValue("tracestate", out var traceState))
        {
            cloudEvent["tracestate"] = traceState;
        }
    }

    private async Task<(Outcome, string)> DeliverAsync(string path, byte[] body, JsonObject cloudEvent, TimeSpan? timeout, CancellationToken abort)
    {
        // pkg/resiliency/policy.go: every attempt runs under its own context.WithTimeout; when it expires the
        // call to the app is cancelled and the attempt fails with the context's error.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(abort);
        if (timeout is { } limit)
        {
            deadline.CancelAfter(limit);
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, app.Resolve(path))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", CloudEvents.ContentType);
        var traceParent = cloudEvent["traceparent"]?.GetValueKind() == JsonValueKind.String ? cloudEvent["traceparent"]!.GetValue<string>() : null;
        traceParent ??= cloudEvent["traceid"]?.GetValueKind() == JsonValueKind.String ? cloudEvent["traceid"]!.GetValue<string>() : null;
        var traceState = cloudEvent["tracestate"]?.GetValueKind() == JsonValueKind.String ? cloudEvent["tracestate"]!.GetValue<string>() : null;
        if (TraceContext.TryParse(traceParent, traceState, out var parent))
        {
            // daprd starts a callback span under the event's context and propagates that span.
            var span = parent.NewChild();
            request.Headers.TryAddWithoutValidation("traceparent", span.TraceParent);
            if (!string.IsNullOrEmpty(span.TraceState))
            {
                request.Headers.TryAddWithoutValidation("tracestate", span.TraceState);
            }
        }
        request.Headers.TryAddWithoutValidation("pubsubname", cloudEvent["pubsubname"]?.ToString() ?? "");

        int status;
        byte[] answer;
        try
        {
            (status, answer) = await app.SendAsync(request, deadline.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !abort.IsCancellationRequested)
        {
            return (Outcome.Retry, DeadlineExceeded);
        }
        catch (Exception ex) when (ex is HttpRequestException or AppUnhealthyException || (ex is OperationCanceledException && !abort.IsCancellationRequested))
        {
            return (Outcome.Retry, "error returned from app channel while sending pub/sub event to app: " + ex.Message);
        }

        if (status is >= 200 and <= 299)
        {
            string? appStatus;
            try
            {
                appStatus = answer.Length == 0 ? null : JsonSerializer.Deserialize<AppResponse>(answer, AppResponseJson)?.Status;
            }
            catch (JsonException)
            {
                appStatus = null;
            }
            return appStatus switch
            {
                null or "" or "SUCCESS" => (Outcome.Success, ""),
                "RETRY" => (Outcome.Retry, "RETRY status returned from app"),
                "DROP" => (Outcome.Drop, DropAnswer),
                _ => (Outcome.Retry, $"unknown status returned from app: {appStatus}"),
            };
        }
        if (status == 404)
        {
            return (Outcome.Drop, "non-retriable error returned from app: status code 404");
        }
        return (Outcome.Retry, string.Create(CultureInfo.InvariantCulture, $"retriable error returned from app: status code {status}"));
    }

    private sealed record AppResponse(string? Status);

    private static readonly JsonSerializerOptions AppResponseJson = new() { PropertyNameCaseInsensitive = true };

    // subscription.go: a message given up is a drop once it is on the dead-letter topic, else a retry (the
    // error goes back to the component); counted without a latency.
    private async Task DeadLetterOrThrowAsync(AppSubscription subscription, RedisStreamsPubSub component, StreamMessage message, Dictionary<string, string> metadata, string detail, CancellationToken stopping)
    {
        // subscription.go: once the subscription is closing a failed delivery is never acknowledged.
        stopping.ThrowIfCancellationRequested();
        if (subscription.DeadLetterTopic is not null && await TryDeadLetterAsync(subscription, component, message, metadata, stopping))
        {
            metrics?.PubsubIngressEvent(subscription.PubsubName, DaprMetrics.Drop, "", message.Topic, 0);
            return;
        }
        metrics?.PubsubIngressEvent(subscription.PubsubName, DaprMetrics.Retry, "", message.Topic, 0);
        throw new InvalidOperationException(detail);
    }

    /// <summary>
    /// pkg/runtime/subscription/subscription.go sendToDeadLetter: skipped once the sidecar is stopping (the
    /// handler context cancelled); otherwise detached from the handler's deadline, which components-contrib
    /// sets to processingTimeout, and given deadLetterPublishTimeout (30s) of its own, so a dead-letter publish
    /// after processingTimeout still reaches Redis and the entry is acknowledged. Goes through the publisher
    /// (topic scopes, outbound policy).
    /// </summary>
    private async Task<bool> TryDeadLetterAsync(AppSubscription subscription, RedisStreamsPubSub component, StreamMessage message, Dictionary<string, string> metadata, CancellationToken stopping)
    {
        if (subscription.DeadLetterTopic is not { } deadLetterTopic || stopping.IsCancellationRequested)
        {
            return false;
        }
        try
        {
            using var timeout = new CancellationTokenSource(DeadLetterPublishTimeout);
            var id = await pubsub.PublishAsync(component, deadLetterTopic, message.Data, metadata, timeout.Token);
            Log.DeadLettered(logger, message.Id, message.Topic, deadLetterTopic, id);
            return true;
        }
        catch (Exception ex)
        {
            Log.DeadLetterFailed(logger, message.Topic, deadLetterTopic, ex.Message);
            return false;
        }
    }

    private static readonly TimeSpan DeadLetterPublishTimeout = TimeSpan.FromSeconds(30);

    private static bool Expired(JsonObject cloudEvent) =>
        cloudEvent["expiration"]?.ToString() is { Length: > 0 } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var expiration)
        && expiration < DateTimeOffset.UtcNow;

    // runtime.go initAppHealthCheck: probes start once the app port answers; subscriptions wait for the first healthy probe.
    private void StartAppHealthChecks(AppHealthCheckOptions healthCheck, CancellationToken stoppingToken)
    {
        var health = new AppHealth(app, healthCheck, logger);
        app.Health = health;
        _ = Task.Run(() => health.RunProbesAsync(healthy => AppHealthChangedAsync(healthy, stoppingToken), stoppingToken), CancellationToken.None);
    }

    // runtime.go appHealthChanged: healthy starts the app's subscriptions, unhealthy stops them; one change at a time.
    private async Task AppHealthChangedAsync(bool healthy, CancellationToken stoppingToken)
    {
        await _appHealthLock.WaitAsync(CancellationToken.None);
        try
        {
            if (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            state.AppHealthChanged(healthy);
            if (healthy)
            {
                await StartAppSubscriptionsAsync(stoppingToken);
            }
            else
            {
                await StopAppSubscriptionsAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _appHealthLock.Release();
        }
    }

    /// <summary>
    /// processor/subscriber StartAppSubscriptions: GET /dapr/subscribe the first time only (daprd keeps the
    /// programmatic subscriptions it read), then a new subscription per topic. Nothing when already started.
    /// </summary>
    public async Task StartAppSubscriptionsAsync(CancellationToken cancellationToken)
    {
        if (_subscriptionsActive)
        {
            return;
        }
        _loaded ??= await LoadSubscriptionsAsync(cancellationToken);
        Volatile.Write(ref _programmatic, _loaded);
        _subscriptionsActive = true;
        var refused = new List<string>();
        foreach (var subscription in _loaded)
        {
            if (await SubscribeAsync(subscription, new RunningSubscription(subscription), cancellationToken) is { } error)
            {
                refused.Add(error);
            }
        }
        if (refused.Count > 0)
        {
            // pkg/runtime/runtime.go appHealthChanged: StartAppSubscriptions' joined errors.
            Log.SubscribeFailed(logger, string.Join('\n', refused));
        }
        if (options.AppHealthCheck is not null)
        {
            Log.AppSubscriptionsStarted(logger, Active.Count);
        }
    }

    /// <summary>processor/subscriber StopAppSubscriptions: every running subscription stops at once (see <see cref="RunningSubscription"/>).</summary>
    public async Task StopAppSubscriptionsAsync()
    {
        if (!_subscriptionsActive)
        {
            return;
        }
        _subscriptionsActive = false;
        List<RunningSubscription> running;
        lock (_running)
        {
            running = [.. _running];
            _running.Clear();
        }
        await Task.WhenAll(running.Select(r => r.StopAsync()));
        Log.AppSubscriptionsStopped(logger, running.Count);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await Task.WhenAll(pubsub.Components.Values.Select(c => c.CloseAsync()));
    }
}
