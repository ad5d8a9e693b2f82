namespace EndToEnd.Tests.Infrastructure;

/// <summary>Distinct city names the ingress accepts (letters, spaces and . ' - only).</summary>
public static class Cities
{
    public static string Named(int index, string prefix = "Testville")
    {
        // Base-26 letters: 0 -> "A", 25 -> "Z", 26 -> "BA", ...
        var letters = new Stack<char>();
        do
        {
            letters.Push((char)('A' + index % 26));
            index /= 26;
        }
        while (index > 0);
        return $"{prefix} {new string([.. letters])}";
    }

    /// <summary>A name no other test run uses, so stream entries of earlier tests cannot be mistaken for it.</summary>
    public static string Unique(string prefix = "Unique") => Named(Random.Shared.Next(0, int.MaxValue), prefix);
}
