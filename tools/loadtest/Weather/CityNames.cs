namespace LoadTest.Weather;

/// <summary>
/// Distinct, letters-only city names: the prefix, a random run tag (so two runs against the same
/// ingress never share a name) and the request index written in base 26 with letters.
/// </summary>
internal sealed class CityNames(string prefix, string runTag)
{
    public CityNames(string prefix)
        : this(prefix, RandomTag())
    {
    }

    public string For(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        Span<char> digits = stackalloc char[14];
        var position = digits.Length;
        do
        {
            digits[--position] = (char)('a' + (int)(index % 26));
            index /= 26;
        }
        while (index > 0);
        return string.Concat(prefix, runTag, digits[position..]);
    }

    private static string RandomTag() =>
        string.Create(4, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = (char)((i == 0 ? 'A' : 'a') + Random.Shared.Next(26));
            }
        });
}
