using System.Diagnostics;
using TestSidecar.Diagnostics;
using TestSidecar.Resources;

namespace TestSidecar.State;

/// <summary>
/// The loaded state stores (every state.redis component, the actor state store included: daprd's
/// state API serves it too) and daprd's calls into them under the store's outbound resiliency policy
/// (<c>targets.components.&lt;store&gt;.outbound</c> retry and timeout). As in daprd, a save's etag
/// errors are never retried (pkg/components/state PerformBulkStoreOperation), while get and delete
/// retry whatever failed. Each attempt (for a bulk save: all its items) goes through the store's circuit
/// breaker, which counts any error, an etag error included, as a failure; its refusal is not retried and
/// surfaces as the store's error (<c>failed saving state in state store X: circuit breaker is open</c>).
/// Each call counts in <c>dapr_component_state_count</c>/<c>_latencies</c> with its operation (get, set,
/// delete) and whether it succeeded, timed with its retries (dapr/dapr v1.18.3 pkg/api/grpc/grpc.go
/// GetState, SaveState, DeleteState; pkg/api/http/http.go the same).
/// </summary>
internal sealed class StateRuntime(IReadOnlyDictionary<string, RedisStateStore> stores, Resiliency resiliency, ILogger<StateRuntime> logger, DaprMetrics? metrics = null)
{
    public IReadOnlyDictionary<string, RedisStateStore> Stores => stores;

    public DaprMetrics? Metrics => metrics;

    public Task<StateGetResult> GetAsync(RedisStateStore store, string key, CancellationToken cancellationToken) =>
        InvokedAsync(store.Name, DaprMetrics.Get, () => RunAsync(store.Name, () => store.GetAsync(key), retryETagErrors: true, cancellationToken));

    public Task DeleteAsync(RedisStateStore store, StateDeleteRequest request, CancellationToken cancellationToken) =>
        InvokedAsync(store.Name, DaprMetrics.Delete, () => RunAsync(store.Name, async () =>
        {
            await store.DeleteAsync(request);
            return true;
        }, retryETagErrors: true, cancellationToken));

    public Task SaveAsync(RedisStateStore store, IReadOnlyList<StateSetRequest> requests, CancellationToken cancellationToken) =>
        InvokedAsync(store.Name, DaprMetrics.Set, async () =>
        {
            await SaveItemsAsync(store, requests, cancellationToken);
            return true;
        });

    // StateInvoked: after the call, whatever its outcome.
    private async Task<T> InvokedAsync<T>(string storeName, string operation, Func<Task<T>> call)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await call();
            metrics?.StateInvoked(storeName, operation, success: true, DaprMetrics.ElapsedMilliseconds(started));
            return result;
        }
        catch
        {
            metrics?.StateInvoked(storeName, operation, success: false, DaprMetrics.ElapsedMilliseconds(started));
            throw;
        }
    }

    /// <summary>
    /// One item: the component's Set. Several: the component's BulkSet (each item on its own, errors
    /// joined with newlines as Go's errors.Join); a retry repeats only the items that failed with
    /// something other than an etag error, and when all failures are etag errors the whole is one
    /// etag error (invalid if any was invalid).
    /// </summary>
    private async Task SaveItemsAsync(RedisStateStore store, IReadOnlyList<StateSetRequest> requests, CancellationToken cancellationToken)
    {
        if (requests.Count == 1)
        {
            await RunAsync(store.Name, async () =>
            {
                await store.SetAsync(requests[0]);
                return true;
            }, retryETagErrors: false, cancellationToken);
            return;
        }

        var pending = requests;
        var policy = resiliency.Outbound(store.Name, Resiliency.Statestore);
        var started = Stopwatch.GetTimestamp();
        var timeouts = new TimeoutActivation(policy);
        for (var attempt = 1; ; attempt++)
        {
            var breaker = policy?.CircuitBreaker;
            var before = breaker?.State ?? CircuitBreakerState.Closed;
            ulong generation = 0;
            try
            {
                generation = breaker?.Allow() ?? 0;
            }
            catch (CircuitBreakerOpenException ex)
            {
                throw new StateStoreException(ex.Message, permanent: true);
            }
            var failures = new List<(StateSetRequest Request, StateStoreException Error)>();
            foreach (var request in pending)
            {
                try
                {
                    await TimedAsync(policy, timeouts, async () =>
                    {
                        await store.SetAsync(request);
                        return true;
                    }, cancellationToken);
                }
                catch (StateStoreException ex)
                {
                    failures.Add((request, ex));
                }
            }
            if (breaker is not null)
            {
                breaker.Report(generation, failures.Count == 0);
                policy?.Metrics?.BreakerAttempted(before, breaker);
            }
            if (failures.Count == 0)
            {
                return;
            }

            var joined = string.Join('\n', failures.Select(f => f.Error.Message));
            var retryable = failures.Where(f => f.Error.ETagKind is null).Select(f => f.Request).ToList();
            if (retryable.Count == 0)
            {
                var kind = failures.Any(f => f.Error.ETagKind == ETagErrorKind.Invalid) ? ETagErrorKind.Invalid : ETagErrorKind.Mismatch;
                throw StateStoreException.ETag(kind, joined);
            }
            // errors.As on the joined error finds the first etag error, if any: it picks the status code.
            var error = new StateStoreException(joined, failures.FirstOrDefault(f => f.Error.ETagKind is not null).Error?.ETagKind);
            if (policy?.Retry?.NextDelay(attempt, Stopwatch.GetElapsedTime(started)) is not { } delay)
            {
                throw error;
            }
            policy?.Metrics?.RetryActivated();
            Log.StateRetry(logger, store.Name, "save", attempt, delay, joined);
            await Task.Delay(delay, cancellationToken);
            pending = retryable;
        }
    }

    private async Task<T> RunAsync<T>(string storeName, Func<Task<T>> operation, bool retryETagErrors, CancellationToken cancellationToken)
    {
        var policy = resiliency.Outbound(storeName, Resiliency.Statestore);
        var started = Stopwatch.GetTimestamp();
        var timeouts = new TimeoutActivation(policy);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RunOnceAsync(policy, timeouts, operation, cancellationToken);
            }
            catch (StateStoreException ex) when (!ex.Permanent && (retryETagErrors || ex.ETagKind is null))
            {
                if (policy?.Retry?.NextDelay(attempt, Stopwatch.GetElapsedTime(started)) is not { } delay)
                {
                    throw;
                }
                policy?.Metrics?.RetryActivated();
                Log.StateRetry(logger, storeName, "call", attempt, delay, ex.Message);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    private static async Task<T> RunOnceAsync<T>(ComponentPolicy? policy, TimeoutActivation timeouts, Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        if (policy?.CircuitBreaker is not { } breaker)
        {
            return await TimedAsync(policy, timeouts, operation, cancellationToken);
        }
        var before = breaker.State;
        try
        {
            return await breaker.ExecuteAsync(() => TimedAsync(policy, timeouts, operation, cancellationToken));
        }
        catch (CircuitBreakerOpenException ex)
        {
            // Not an etag error: daprd reports it as the operation's failure (Internal, HTTP 500).
            throw new StateStoreException(ex.Message, permanent: true);
        }
        finally
        {
            policy.Metrics?.BreakerAttempted(before, breaker);
        }
    }

    private static async Task<T> TimedAsync<T>(ComponentPolicy? policy, TimeoutActivation timeouts, Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            var call = operation();
            return policy?.Timeout is { } timeout ? await call.WaitAsync(timeout, cancellationToken) : await call.WaitAsync(cancellationToken);
        }
        catch (TimeoutException) when (!cancellationToken.IsCancellationRequested)
        {
            // The policy's timeout cancels the call's context in daprd.
            timeouts.Expired();
            throw new StateStoreException("context deadline exceeded");
        }
    }
}
