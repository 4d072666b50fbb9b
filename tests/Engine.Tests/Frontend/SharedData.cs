namespace Engine.Tests.Frontend;

/// <summary>The shared test data: ../shared beside the repository (CI), else /work/shared (worktrees elsewhere).</summary>
internal static class SharedData
{
    public static string Root { get; } = Find();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string Find()
    {
        try
        {
            return Support.Paths.Shared;
        }
        catch (DirectoryNotFoundException)
        {
            return "/work/shared";
        }
    }
}
