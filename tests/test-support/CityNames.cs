namespace TestSupport;

/// <summary>
/// Distinct city names the ingress accepts (letters, spaces and . ' - only): a prefix and a number
/// written in base 26 with letters (0 -> "A", 25 -> "Z", 26 -> "BA"), so each request of a run can
/// carry its own city and a reply with another request's city is caught.
/// </summary>
public sealed class CityNames(string prefix)
{
    // Two runs against the same ingress (the load tool, the benchmark) never share a name.
    private readonly string _runTag = Letters(Random.Shared.Next(26 * 26 * 26, 26 * 26 * 26 * 26));

    /// <summary>The name of request <paramref name="index"/> of this run: prefix, run tag, index.</summary>
    public string For(long index) => Named(index, $"{prefix} {_runTag}");

    public static string Named(long index, string prefix = "Testville") => $"{prefix} {Letters(index)}";

    /// <summary>A name no other test run uses, so stream entries of earlier tests cannot be mistaken for it.</summary>
    public static string Unique(string prefix = "Unique") => Named(Random.Shared.Next(0, int.MaxValue), prefix);

    public static string Letters(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        Span<char> digits = stackalloc char[14];
        var position = digits.Length;
        do
        {
            digits[--position] = (char)('A' + (int)(index % 26));
            index /= 26;
        }
        while (index > 0);
        return new string(digits[position..]);
    }
}
