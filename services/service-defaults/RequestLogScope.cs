using Microsoft.Extensions.Logging;

namespace RedisStreamDemo.ServiceDefaults;

/// <summary>The log scope both apps open around the work for one request.</summary>
public static class RequestLogScope
{
    private static readonly Func<ILogger, string, IDisposable?> Scope =
        LoggerMessage.DefineScope<string>("RequestId:{RequestId}");

    public static IDisposable? BeginRequestScope(this ILogger logger, string requestId) => Scope(logger, requestId);
}
