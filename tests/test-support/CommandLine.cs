namespace TestSupport;

/// <summary>
/// The one way our tools read their command line: <c>--name value</c> options and <c>--flag</c>
/// switches, each with a handler; <c>-h</c>/<c>--help</c> prints the usage and ends with
/// <see cref="ExitCodes.Ok"/>; an unknown option, a missing value or a handler's
/// <see cref="FormatException"/> prints the reason and the usage and ends with <see cref="ExitCodes.Usage"/>.
/// </summary>
public sealed class CommandLine(string usage)
{
    private readonly Dictionary<string, Action<string>> _options = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Action> _flags = new(StringComparer.Ordinal);

    public string Usage => usage;

    /// <summary>An option with a value; <paramref name="read"/> throws <see cref="FormatException"/> for a bad one.</summary>
    public CommandLine Option(string name, Action<string> read)
    {
        _options.Add(name, read);
        return this;
    }

    public CommandLine Flag(string name, Action set)
    {
        _flags.Add(name, set);
        return this;
    }

    /// <summary>Runs the handlers; null when the tool should go on, else the exit code to end with.</summary>
    public int? Parse(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        try
        {
            for (var i = 0; i < args.Count; i++)
            {
                var name = args[i];
                if (name is "-h" or "--help" or "-?")
                {
                    output.WriteLine(usage);
                    return ExitCodes.Ok;
                }
                if (_flags.TryGetValue(name, out var set))
                {
                    set();
                }
                else if (_options.TryGetValue(name, out var read))
                {
                    read(i + 1 < args.Count ? args[++i] : throw new FormatException($"{name} needs a value."));
                }
                else
                {
                    throw new FormatException($"Unknown option {name}.");
                }
            }
            return null;
        }
        catch (FormatException ex)
        {
            error.WriteLine(ex.Message);
            error.WriteLine(usage);
            return ExitCodes.Usage;
        }
    }
}
