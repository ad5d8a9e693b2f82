namespace RedisStreamDemo.Proxy.Terminals;

/// <summary>Messages of the terminal pool's drain at shutdown.</summary>
internal static partial class TerminalLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information,
        Message = "Shutting down: refusing new deliveries, waiting for {BusyTerminals} busy terminal(s)")]
    public static partial void Draining(this ILogger logger, int busyTerminals);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Every terminal finished its work")]
    public static partial void Drained(this ILogger logger);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning,
        Message = "Shutdown timeout reached with {BusyTerminals} terminal(s) still busy; their deliveries will be redelivered")]
    public static partial void DrainTimedOut(this ILogger logger, int busyTerminals);
}
