using TestSupport;

namespace Deployment.Tests.Support;

// Paths of the deployment files, from the repository root.
internal static class Repo
{
    public static string Root => RepositoryRoot.Path;

    public static string PathOf(params string[] parts) => RepositoryRoot.Combine(parts);

    public static string Read(params string[] parts) => File.ReadAllText(PathOf(parts));
}
