using System.Globalization;

namespace TestSidecar.State;

/// <summary>
/// Go's strconv.ParseInt(s, 10, 64) / Atoi as components-contrib uses them for etags and
/// ttlInSeconds: an optional sign and decimal digits only, and Go's error text on failure.
/// </summary>
internal static class GoStrconv
{
    public static bool TryParseInt(string function, string text, out long value, out string error)
    {
        error = "";
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }
        var digits = text.TrimStart('+', '-');
        var wellFormed = digits.Length > 0 && text.Length - digits.Length <= 1 && digits.All(char.IsAsciiDigit);
        error = $"strconv.{function}: parsing {Quote(text)}: {(wellFormed ? "value out of range" : "invalid syntax")}";
        return false;
    }

    // Go's %q for the printable ASCII these values are in practice.
    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
