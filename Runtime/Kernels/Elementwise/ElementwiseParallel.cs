using System.Runtime.ExceptionServices;

namespace Engine.Runtime.Kernels;

/// <summary>
/// Splits an elementwise range into contiguous chunks run on up to <c>threads</c> workers. Small
/// ranges stay on the calling thread; a chunk's exception is rethrown as itself (not wrapped).
/// </summary>
public static class ElementwiseParallel
{
    /// <summary>Elements below which splitting costs more than it saves.</summary>
    public const int MinElements = 1 << 16;

    /// <summary>Runs <paramref name="body"/>(start, end) over [0, n) in chunks of at least <paramref name="minChunk"/>.</summary>
    public static void For(int n, int threads, int minChunk, Action<int, int> body)
    {
        int chunks = Math.Min(threads, n / Math.Max(1, minChunk));
        if (chunks <= 1)
        {
            body(0, n);
            return;
        }
        try
        {
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c =>
                body((int)((long)n * c / chunks), (int)((long)n * (c + 1) / chunks)));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
    }
}
