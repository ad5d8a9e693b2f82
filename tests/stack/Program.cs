using System.Runtime.InteropServices;
using RedisStreamDemo.Stack;
using TestSupport;

// The whole system in one command, without the Dapr CLI:
//   dotnet run --project tests/stack [-- --redis host:port] [--free-ports] [--no-restart] [--env KEY=VALUE] [--env app:KEY=VALUE]
// Ctrl+C or SIGTERM stops everything.
var (parsed, exit) = StackArguments.Parse(args, Console.Out, Console.Error);
if (parsed is null)
{
    return exit ?? ExitCodes.Usage;
}

using var shutdown = new CancellationTokenSource();
void RequestShutdown(PosixSignalContext context)
{
    context.Cancel = true;
    shutdown.Cancel();
}
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    shutdown.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, RequestShutdown);
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, RequestShutdown);

var options = parsed.ToOptions(line => Console.Out.WriteLine(line));
LocalStack stack;
try
{
    stack = await LocalStack.StartAsync(options, shutdown.Token);
}
catch (OperationCanceledException)
{
    return ExitCodes.Interrupted;
}
catch (Exception ex) when (ex is StackStartException or FileNotFoundException or FormatException or TimeoutException or InvalidOperationException)
{
    await Console.Error.WriteLineAsync($"[stack] failed to start: {ex.Message}");
    return ExitCodes.Failed;
}

await using (stack)
{
    foreach (var instance in stack.Instances)
    {
        Console.WriteLine($"[stack] {instance.Name,-8} app {instance.Url}  swagger {instance.SwaggerUrl}  dapr http {instance.DaprHttpPort} grpc {instance.DaprGrpcPort} metrics {instance.MetricsPort?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}  pid {instance.ProcessId}");
    }
    Console.WriteLine($"[stack] redis    {stack.RedisEndpoint}");
    Console.WriteLine("ready");
    try
    {
        await Task.Delay(Timeout.Infinite, shutdown.Token);
    }
    catch (OperationCanceledException)
    {
        Console.WriteLine("[stack] shutting down");
    }
}
return ExitCodes.Ok;
