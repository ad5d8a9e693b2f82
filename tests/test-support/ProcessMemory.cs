using System.Diagnostics;
using System.Globalization;

namespace TestSupport;

/// <summary>Resident memory of a running process, as the operating system counts it (VmRSS on Linux).</summary>
public static class ProcessMemory
{
    /// <summary>Resident bytes of <paramref name="processId"/>; null when there is no such process (it exited or is restarting).</summary>
    public static long? Resident(int? processId)
    {
        if (processId is not { } pid)
        {
            return null;
        }
        try
        {
            // A fresh Process each time: its figures are read once and not updated afterwards.
            using var process = Process.GetProcessById(pid);
            return process.WorkingSet64;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    public static string Megabytes(long? bytes) =>
        bytes is { } b ? (b / (1024.0 * 1024.0)).ToString("0", CultureInfo.InvariantCulture) + " MB" : "-";
}
