namespace Engine.Tests.Support;

/// <summary>Locates the repository root and the shared folder beside it.</summary>
public static class Paths
{
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>../shared from the repository root: read-only test data (ONNX suites, models, datasets).</summary>
    public static string Shared
    {
        get
        {
            var p = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
            if (!Directory.Exists(p)) throw new DirectoryNotFoundException($"the shared folder is expected at {p}");
            return p;
        }
    }

    public static string SharedPath(params string[] parts) => Path.Combine([Shared, .. parts]);

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Engine.sln"))) return d.FullName;
        }
        throw new DirectoryNotFoundException("Engine.sln not found above " + AppContext.BaseDirectory);
    }
}
