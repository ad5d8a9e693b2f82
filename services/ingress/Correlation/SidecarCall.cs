using RedisStreamDemo.ServiceDefaults;

namespace RedisStreamDemo.Ingress.Correlation;

/// <summary>One call from a correlation mode to the sidecar, bounded by Correlation:SidecarTimeout.</summary>
internal static class SidecarCall
{
    public static CancellationTokenSource Start(CorrelationOptions options, CancellationToken cancellationToken)
    {
        var call = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        call.CancelAfter(options.SidecarTimeout);
        return call;
    }

    // The sidecar was away or slower than the timeout, as opposed to the caller giving up.
    public static bool Failed(Exception exception, CancellationToken cancellationToken) =>
        SidecarErrors.IsTransient(exception)
        || exception is OperationCanceledException && !cancellationToken.IsCancellationRequested;
}
