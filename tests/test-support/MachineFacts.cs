using System.Diagnostics;

namespace TestSupport;

/// <summary>What the benchmark and the fault suite print about the machine their figures come from.</summary>
public static class MachineFacts
{
    public static string? CpuModel() => ProcValue("/proc/cpuinfo", "model name");

    public static long? MemoryMb()
    {
        var text = ProcValue("/proc/meminfo", "MemTotal");
        return text is not null && long.TryParse(text.Split(' ')[0], out var kb) ? kb / 1024 : null;
    }

    /// <summary>"redis-server 7.0.15", or null when redis-server is not installed.</summary>
    public static string? RedisServerVersion()
    {
        if (RedisServer.FindExecutable() is not { } redis)
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
}
