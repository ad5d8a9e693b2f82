using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using TestSidecar.Hosting;
using TestSidecar.Resources;

namespace TestSidecar.PubSub;

/// <summary>
/// daprd's subscription side: reads the app's programmatic subscriptions once the app port
/// answers, subscribes the components, and delivers each message to the app with daprd's
/// response contract, inbound timeout and retry policy and dead-letter topic.
/// </summary>
internal sealed class SubscriptionRuntime(
    PubSubRuntime pubsub,
    AppChannel app,
    SidecarOptions options,
    SidecarState state,
    ILogger<SubscriptionRuntime> logger) : BackgroundService
{
    private readonly List<AppSubscription> _active = [];
    private readonly List<RunningSubscription> _running = [];
    private readonly SemaphoreSlim _appHealthLock = new(1, 1);
    private IReadOnlyList<AppSubscription>? _loaded;
    private bool _subscriptionsActive;

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

    private async Task<IReadOnlyList<AppSubscription>> LoadSubscriptionsAsync(CancellationToken cancellationToken)
    {
        var deadline = TimeProvider.System.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, app.Resolve("/dapr/subscribe"));
                var (status, body) = await app.SendAsync(request, cancellationToken);
                if (status == 404)
                {
                    return [];
                }
                if (status is >= 200 and < 300)
                {
                    return body.Length == 0 ? [] : AppSubscription.ParseList(body);
                }
                Log.SubscribeListFailed(logger, $"status {status}", attempt);
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or FormatException)
            {
                Log.SubscribeListFailed(logger, ex.Message, attempt);
            }
            if (TimeProvider.System.GetElapsedTime(deadline) > options.AppStartTimeout)
            {
                return [];
            }
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
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

    private async Task SubscribeAsync(AppSubscription subscription, RunningSubscription running)
    {
        if (!pubsub.Components.TryGetValue(subscription.PubsubName, out var component))
        {
            Log.SubscriptionPubSubMissing(logger, subscription.PubsubName, subscription.Topic);
            return;
        }
        foreach (var rule in subscription.Rules.Where(r => r.Match.Length > 0))
        {
            Log.RuleNotSupported(logger, subscription.Topic, rule.Match, rule.Path);
        }
        await component.SubscribeAsync(subscription.Topic,
            (message, stopping, abort) => running.HandleAsync(() => HandleAsync(subscription, component, message, stopping, abort, running), stopping),
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
    }

    private async Task HandleAsync(AppSubscription subscription, RedisStreamsPubSub component, StreamMessage message, CancellationToken stopping, CancellationToken abort, RunningSubscription running)
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
            await DeadLetterOrThrowAsync(subscription, component, message, metadata, ex.Message);
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
                await DeadLetterOrThrowAsync(subscription, component, message, metadata, "not a CloudEvent");
                return;
            }
            AddTraceFromMetadata(cloudEvent, message.Metadata);
        }

        var eventId = cloudEvent["id"]?.ToString() ?? "";
        if (Expired(cloudEvent))
        {
            Log.Expired(logger, eventId, message.Topic);
            await TryDeadLetterAsync(subscription, component, message, metadata);
            return;
        }

        var path = subscription.DefaultPath;
        if (path is null)
        {
            Log.NoRoute(logger, eventId, message.Topic);
            await TryDeadLetterAsync(subscription, component, message, metadata);
            return;
        }

        // dapr/dapr pkg/runtime/subscription/subscription.go: each delivery runs under the pubsub's inbound policy.
        var policy = pubsub.Resiliency.Inbound(subscription.PubsubName, Resiliency.Pubsub);
        var started = TimeProvider.System.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
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
                await DeadLetterOrThrowAsync(subscription, component, message, metadata, ex.Message);
                return;
            }
            var (outcome, detail) = await DeliverAsync(path, body, cloudEvent, policy?.Timeout, abort);
            // daprd returns the drop as an error to its retry runner when the dead-letter publish fails.
            var failed = outcome == Outcome.Retry;
            if (outcome == Outcome.Drop)
            {
                Log.Dropped(logger, eventId, message.Topic, detail);
                failed = subscription.DeadLetterTopic is not null && !await TryDeadLetterAsync(subscription, component, message, metadata);
            }
            policy?.CircuitBreaker?.Report(generation, !failed);
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
                await DeadLetterOrThrowAsync(subscription, component, message, metadata, detail);
                return;
            }
            Log.Retrying(logger, eventId, message.Topic, attempt, delay.Value, detail);
            await Task.Delay(delay.Value, stopping);
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
            return (Outcome.Retry, "context deadline exceeded");
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
                "DROP" => (Outcome.Drop, "DROP status returned from app"),
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

    private async Task DeadLetterOrThrowAsync(AppSubscription subscription, RedisStreamsPubSub component, StreamMessage message, Dictionary<string, string> metadata, string detail)
    {
        if (subscription.DeadLetterTopic is not null && await TryDeadLetterAsync(subscription, component, message, metadata))
        {
            return;
        }
        throw new InvalidOperationException(detail);
    }

    private async Task<bool> TryDeadLetterAsync(AppSubscription subscription, RedisStreamsPubSub component, StreamMessage message, Dictionary<string, string> metadata)
    {
        if (subscription.DeadLetterTopic is not { } deadLetterTopic)
        {
            return false;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
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
        _subscriptionsActive = true;
        foreach (var subscription in _loaded)
        {
            await SubscribeAsync(subscription, new RunningSubscription(subscription));
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
        await Task.WhenAll(pubsub.Components.Values.Select(c => c.CloseAsync(options.GracefulShutdown)));
    }
}
