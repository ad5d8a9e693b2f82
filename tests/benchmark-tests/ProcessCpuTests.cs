using Benchmarks.Measurement;

namespace Benchmark.Tests;

public sealed class ProcessCpuTests
{
    [Fact]
    public void Utime_and_stime_are_fields_14_and_15_of_proc_stat() =>
        Assert.Equal(1234 + 567, ProcessCpu.ParseTicks(
            "4242 (dotnet) S 1 4242 4242 0 -1 4194560 60357 0 12 0 1234 567 0 0 20 0 25 0 123456 3212345344 45678 18446744073709551615 1 1 0 0 0 0 0 4096 17642 0 0 0 17 1 0 0 0 0 0"));

    [Fact]
    public void A_command_name_with_spaces_and_parentheses_does_not_shift_the_fields() =>
        Assert.Equal(30 + 4, ProcessCpu.ParseTicks(
            "77 (a (b) c) R 1 77 77 0 -1 0 0 0 0 0 30 4 0 0 20 0 1 0 1 1 1 1"));

    [Fact]
    public void A_truncated_line_gives_nothing() =>
        Assert.Null(ProcessCpu.ParseTicks("77 (x) R 1 2 3"));

    [Fact]
    public void Cpu_per_request_is_the_tick_difference_over_the_requests_in_milliseconds()
    {
        var perRequest = ProcessCpu.MsPerRequest(
            new Dictionary<string, long?> { ["ingress"] = 100, ["gone"] = 5 },
            new Dictionary<string, long?> { ["ingress"] = 100 + ProcessCpu.TicksPerSecond, ["gone"] = null },
            requests: 500);

        Assert.Equal(2.0, perRequest["ingress"]!.Value, 9);
        Assert.Null(perRequest["gone"]);
    }

    [Fact]
    public void This_process_has_a_cpu_time() =>
        Assert.NotNull(ProcessCpu.Ticks(Environment.ProcessId));
}
