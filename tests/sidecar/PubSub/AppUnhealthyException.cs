namespace TestSidecar.PubSub;

/// <summary>daprd's refusal of a call to an app whose health checks fail (pkg/messages ErrAppUnhealthy, gRPC Internal).</summary>
internal sealed class AppUnhealthyException() : Exception("rpc error: code = Internal desc = app is not in a healthy state");
