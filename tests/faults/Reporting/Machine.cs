using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Faults.Reporting;

public sealed record Machine(int Cores, string Os, string Dotnet, string? Cpu, string? RedisServer, string Configuration)
{
    public static Machine Describe() => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        CpuModel(),
        RedisVersion(),
        typeof(Machine).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "unknown");

    public override string ToString() =>
        $"{Cores} cores{(Cpu is null ? "" : $" ({Cpu})")}, {Os}, {Dotnet}, {RedisServer ?? "redis-server not found"}, {Configuration} build";

    private static string? CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo")
                .Where(line => line.StartsWith("model name", StringComparison.Ordinal))
                .Select(line => line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string? RedisVersion()
    {
        if (TestSupport.RedisServer.FindExecutable() is not { } redis)
        {
            return null;
        }
        using var process = Process.Start(new ProcessStartInfo(redis, "--version") { RedirectStandardOutput = true });
        var line = process?.StandardOutput.ReadLine();
        process?.WaitForExit(5000);
        return line?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(w => w.StartsWith("v=", StringComparison.Ordinal)) is { } v
            ? "redis-server " + v[2..]
            : line?.Trim();
    }
}
