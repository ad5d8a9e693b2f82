using System.Text.RegularExpressions;

namespace TestSupport;

/// <summary>
/// Copies our real Dapr resources (components/*.yaml) to a temporary folder with every
/// <c>redisHost</c> pointed at a private test Redis, so the test sidecar reads the same files
/// users run with, differing only in the Redis address.
/// </summary>
public static partial class ResourcesFolder
{
    public static string ComponentsDirectory => global::TestSupport.RepositoryRoot.Combine("components");

    public static string Prepare(string redisEndpoint, string? sourceDirectory = null)
    {
        var target = Directory.CreateTempSubdirectory("dapr-resources-").FullName;
        foreach (var file in Directory.EnumerateFiles(sourceDirectory ?? ComponentsDirectory, "*.yaml"))
        {
            var text = RedisHostValue().Replace(File.ReadAllText(file), match => match.Groups["prefix"].Value + redisEndpoint);
            File.WriteAllText(Path.Combine(target, Path.GetFileName(file)), text);
        }
        return target;
    }

    [GeneratedRegex(@"(?<prefix>-\s*name:\s*redisHost\s*\n\s*value:\s*)\S+", RegexOptions.Multiline)]
    private static partial Regex RedisHostValue();
}
