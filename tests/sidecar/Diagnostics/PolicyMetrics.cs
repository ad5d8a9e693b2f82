using TestSidecar.Resources;

namespace TestSidecar.Diagnostics;

/// <summary>
/// The resiliency metrics of one component policy handed to a call (dapr/dapr v1.18.3
/// pkg/resiliency/resiliency.go addMetricsToPolicy, policy.go NewRunnerWithOptions): <c>target</c> is
/// <c>&lt;ComponentType&gt;_&lt;component&gt;</c>, the name and namespace those of the last Resiliency
/// loaded. Handing the policy out counts each of its parts in <c>dapr_resiliency_count</c> (the
/// breaker with its current state, which also sets <c>dapr_resiliency_cb_state</c>); the activations
/// count a retry (each wait before another attempt), a timeout (once per call, at its first expired
/// attempt) and a breaker state change seen around an attempt (with the new state).
/// </summary>
internal sealed class PolicyMetrics(DaprMetrics metrics, string resiliencyName, string @namespace, string direction, string target)
{
    public void Executed(ComponentPolicy policy)
    {
        if (policy.Timeout is not null)
        {
            metrics.PolicyExecuted(resiliencyName, @namespace, PolicyKinds.Timeout, direction, target);
        }
        if (policy.Retry is not null)
        {
            metrics.PolicyExecuted(resiliencyName, @namespace, PolicyKinds.Retry, direction, target);
        }
        if (policy.CircuitBreaker is { } breaker)
        {
            metrics.PolicyExecuted(resiliencyName, @namespace, PolicyKinds.CircuitBreaker, direction, target, StateText(breaker.State));
        }
    }

    public void RetryActivated() => metrics.PolicyActivated(resiliencyName, @namespace, PolicyKinds.Retry, direction, target);

    public void TimeoutActivated() => metrics.PolicyActivated(resiliencyName, @namespace, PolicyKinds.Timeout, direction, target);

    /// <summary>policy.go: after an attempt through the breaker, a state other than the one read before it is an activation.</summary>
    public void BreakerAttempted(CircuitBreakerState before, CircuitBreaker breaker)
    {
        var after = breaker.State;
        if (after != before)
        {
            metrics.PolicyActivated(resiliencyName, @namespace, PolicyKinds.CircuitBreaker, direction, target, StateText(after));
        }
    }

    /// <summary>pkg/resiliency/breaker CircuitBreakerState values.</summary>
    public static string StateText(CircuitBreakerState state) => state switch
    {
        CircuitBreakerState.Closed => "closed",
        CircuitBreakerState.HalfOpen => "half-open",
        _ => "open",
    };
}
