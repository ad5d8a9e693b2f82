using System.Diagnostics;
using System.Globalization;

namespace Benchmarks.Measurement;

/// <summary>
/// CPU time of a process from /proc/&lt;pid&gt;/stat: utime + stime (fields 14 and 15, all threads),
/// in clock ticks of <see cref="TicksPerSecond"/> (sysconf CLK_TCK, read once with getconf).
/// </summary>
internal static class ProcessCpu
{
    private static readonly Lazy<long> ClockTicks = new(ReadClockTicks);

    public static long TicksPerSecond => ClockTicks.Value;

    /// <summary>utime + stime in clock ticks, or null when the process is gone or not readable.</summary>
    public static long? Ticks(int pid)
    {
        try
        {
            return ParseTicks(File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// utime + stime from the text of /proc/&lt;pid&gt;/stat. The command name (field 2) is in parentheses
    /// and may hold spaces and parentheses itself, so fields are counted from the last ')'.
    /// </summary>
    public static long? ParseTicks(string stat)
    {
        var end = stat.LastIndexOf(')');
        if (end < 0)
        {
            return null;
        }
        // After ") " come field 3 (state), 4, ...: utime (14) is the 12th, stime (15) the 13th.
        var fields = stat[(end + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 12
            && long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out var user)
            && long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out var system)
                ? user + system
                : null;
    }

    public static Dictionary<string, long?> Snapshot(IEnumerable<WatchedProcess> processes) =>
        processes.ToDictionary(p => p.Slot, p => Ticks(p.Pid), StringComparer.Ordinal);

    /// <summary>CPU milliseconds per request of each process between two snapshots.</summary>
    public static Dictionary<string, double?> MsPerRequest(
        IReadOnlyDictionary<string, long?> before, IReadOnlyDictionary<string, long?> after, long requests) =>
        before.ToDictionary(
            p => p.Key,
            p => p.Value is { } start && after.GetValueOrDefault(p.Key) is { } end && requests > 0 && end >= start
                ? (end - start) * 1000.0 / TicksPerSecond / requests
                : (double?)null,
            StringComparer.Ordinal);

    private static long ReadClockTicks()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true, UseShellExecute = false })
                ?? throw new InvalidOperationException("getconf did not start");
            var output = getconf.StandardOutput.ReadToEnd();
            getconf.WaitForExit();
            if (long.TryParse(output.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks > 0)
            {
                return ticks;
            }
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // Fall through.
        }
        throw new InvalidOperationException("getconf CLK_TCK gave no clock tick rate: CPU per request cannot be measured.");
    }
}
