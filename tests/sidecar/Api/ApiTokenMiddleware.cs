using Grpc.Core;
using Grpc.Core.Interceptors;
using TestSidecar.Hosting;

namespace TestSidecar.Api;

/// <summary>
/// DAPR_API_TOKEN on the HTTP API: every request needs header dapr-api-token, except
/// GET /v1.0/healthz and GET /v1.0/healthz/outbound (daprd's isRouteExcludedFromAPITokenAuth);
/// otherwise 401 "invalid api token".
/// </summary>
internal sealed class ApiTokenMiddleware(RequestDelegate next, SidecarOptions options)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (options.DaprApiToken is not { } token || context.Connection.LocalPort != options.HttpPort)
        {
            return next(context);
        }
        var path = context.Request.Path.Value?.Trim('/') ?? "";
        var excluded = HttpMethods.IsGet(context.Request.Method) && path is "v1.0/healthz" or "v1.0/healthz/outbound";
        if (!excluded && !string.Equals(context.Request.Headers["dapr-api-token"], token, StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync("invalid api token\n");
        }
        context.Request.Headers.Remove("dapr-api-token");
        return next(context);
    }
}

/// <summary>DAPR_API_TOKEN on the gRPC API (Dapr and workflow services alike): Unauthenticated as daprd answers.</summary>
internal sealed class ApiTokenInterceptor(SidecarOptions options) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Check(ServerCallContext context)
    {
        if (options.DaprApiToken is not { } token)
        {
            return;
        }
        var sent = context.RequestHeaders.Get("dapr-api-token")?.Value;
        if (sent is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "missing api token in request metadata"));
        }
        if (!string.Equals(sent, token, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "authentication error: api token mismatch"));
        }
    }
}
