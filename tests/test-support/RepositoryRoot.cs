namespace TestSupport;

/// <summary>The folder holding RedisStreamDemo.sln, found above the running assembly.</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    public static string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "RedisStreamDemo.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("RedisStreamDemo.sln not found above " + AppContext.BaseDirectory);
    }
}
