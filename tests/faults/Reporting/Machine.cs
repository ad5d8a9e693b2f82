using System.Reflection;
using System.Runtime.InteropServices;
using TestSupport;

namespace Faults.Reporting;

public sealed record Machine(int Cores, string Os, string Dotnet, string? Cpu, string? RedisServer, string Configuration, string Sidecar)
{
    public static Machine Describe() => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        MachineFacts.CpuModel(),
        MachineFacts.RedisServerVersion(),
        typeof(Machine).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "unknown",
        SidecarUnderTest.Current.Name);

    public override string ToString() =>
        $"{Cores} cores{(Cpu is null ? "" : $" ({Cpu})")}, {Os}, {Dotnet}, {RedisServer ?? "redis-server not found"}, {Configuration} build, sidecars: {Sidecar}";
}
