using TestSupport;

namespace Benchmarks.Measurement;

/// <summary>The machine (the kit's <see cref="TestSupport.Machine"/>) and what this run adds to it.</summary>
internal sealed record MachineInfo(Machine Host, bool Quick, long ClockTicksPerSecond, DateTimeOffset StartedAt)
{
    public static MachineInfo Describe(bool quick) => new(Machine.Describe(), quick, ProcessCpu.TicksPerSecond, DateTimeOffset.UtcNow);
}
