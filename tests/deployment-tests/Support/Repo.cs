namespace Deployment.Tests.Support;

// Paths of the deployment files, from the repository root (the folder holding RedisStreamDemo.sln).
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Read(params string[] parts) => File.ReadAllText(PathOf(parts));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RedisStreamDemo.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("RedisStreamDemo.sln not found above " + AppContext.BaseDirectory);
    }
}
