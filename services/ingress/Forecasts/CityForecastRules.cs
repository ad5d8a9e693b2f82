using System.Buffers;
using System.Globalization;
using System.Text;

namespace RedisStreamDemo.Ingress.Forecasts;

/// <summary>What makes a city and a location acceptable in a forecast request.</summary>
internal static class CityForecastRules
{
    private const int MaxCityLength = 100;
    private const int MaxLocationLength = 100;

    // Returns the trimmed city, or an error message.
    public static (string? Value, string? Error) CheckCity(string? city)
    {
        var trimmed = city?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return (null, "The city is required.");
        }

        if (trimmed.Length > MaxCityLength)
        {
            return (null, $"The city must be at most {MaxCityLength} characters.");
        }

        var hasLetter = false;
        foreach (var part in Runes(trimmed))
        {
            if (part is not { } rune)
            {
                return (null, "The city contains invalid text.");
            }

            if (Rune.IsLetter(rune))
            {
                hasLetter = true;
            }
            else if (!IsCombiningMark(rune) && rune.Value is not (' ' or '.' or '\'' or '-'))
            {
                return (null, "The city may contain only letters, spaces and . ' -");
            }
        }

        return hasLetter ? (trimmed, null) : (null, "The city must contain a letter.");
    }

    // Returns the trimmed location (null when absent or blank), or an error message.
    public static (string? Value, string? Error) CheckLocation(string? location)
    {
        var trimmed = location?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return (null, null);
        }

        if (trimmed.Length > MaxLocationLength)
        {
            return (null, $"The location must be at most {MaxLocationLength} characters.");
        }

        foreach (var part in Runes(trimmed))
        {
            if (part is not { } rune)
            {
                return (null, "The location contains invalid text.");
            }

            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format)
            {
                return (null, "The location must not contain control characters.");
            }
        }

        return (trimmed, null);
    }

    // Scripts such as Devanagari write city names with combining marks between letters.
    private static bool IsCombiningMark(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;

    // Null for an unpaired surrogate, which JSON escapes (\ud800) can smuggle in.
    private static IEnumerable<Rune?> Runes(string text)
    {
        for (var i = 0; i < text.Length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed) != OperationStatus.Done)
            {
                yield return null;
                yield break;
            }

            yield return rune;
            i += consumed;
        }
    }
}
