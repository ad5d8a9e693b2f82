using System.Net.Sockets;
using Grpc.Core;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>How a call to the Dapr sidecar fails when the sidecar is away or slow.</summary>
public static class SidecarErrors
{
    /// <summary>
    /// gRPC and HTTP failures reaching the sidecar: the call may succeed when tried again, so the
    /// caller answers 503 or RETRY rather than a server error.
    /// </summary>
    public static bool IsTransient(Exception exception) =>
        exception is RpcException or HttpRequestException or SocketException;
}
