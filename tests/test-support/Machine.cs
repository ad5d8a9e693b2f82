using System.Reflection;
using System.Runtime.InteropServices;

namespace TestSupport;

/// <summary>The machine a suite's figures come from, as the fault suite and the benchmark report it.</summary>
public sealed record Machine(int Cores, string Os, string Dotnet, string? Cpu, long? MemoryMb, string? RedisServer, string Configuration, string Sidecar)
{
    /// <summary>This machine, and the build configuration of the running program.</summary>
    public static Machine Describe() => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        MachineFacts.CpuModel(),
        MachineFacts.MemoryMb(),
        MachineFacts.RedisServerVersion(),
        Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "unknown",
        SidecarUnderTest.Current.Name);

    public override string ToString() =>
        $"{Cores} cores{(Cpu is null ? "" : $" ({Cpu})")}, {Os}, {Dotnet}, {RedisServer ?? "redis-server not found"}, {Configuration} build, sidecars: {Sidecar}";
}
