using System.Reflection;
using System.Runtime.InteropServices;
using TestSupport;

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
    long ClockTicksPerSecond,
    DateTimeOffset StartedAt)
{
    public static MachineInfo Describe(bool quick) => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        MachineFacts.CpuModel(),
        MachineFacts.MemoryMb(),
        MachineFacts.RedisServerVersion(),
        typeof(MachineInfo).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "unknown",
        quick,
        ProcessCpu.TicksPerSecond,
        DateTimeOffset.UtcNow);
}
