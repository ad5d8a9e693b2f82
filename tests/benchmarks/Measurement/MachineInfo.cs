using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Benchmarks.Measurement;

internal sealed record MachineInfo(
    int Cores,
    string Os,
    string Dotnet,
    string? Cpu,
    long? MemoryMb,
    string? RedisServer,
    string Configuration,
    bool Quick,
    DateTimeOffset StartedAt)
{
    public static MachineInfo Describe(bool quick) => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        ProcValue("/proc/cpuinfo", "model name"),
        RssSampler.ReadStatusKb(Environment.ProcessId, "VmRSS:") is null ? null : MemTotalMb(),
        RedisVersion(),
        typeof(MachineInfo).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "unknown",
        quick,
        DateTimeOffset.UtcNow);

    private static long? MemTotalMb()
    {
        var text = ProcValue("/proc/meminfo", "MemTotal");
        return text is not null && long.TryParse(text.Split(' ')[0], out var kb) ? kb / 1024 : null;
    }

    private static string? ProcValue(string path, string key)
    {
        try
        {
            return File.ReadLines(path)
                .Where(line => line.StartsWith(key, StringComparison.Ordinal))
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
        return line?.Trim();
    }
}
