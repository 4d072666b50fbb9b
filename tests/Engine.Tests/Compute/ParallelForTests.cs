using Engine.Runtime.Compute;

namespace Engine.Tests.Compute;

public class ParallelForTests
{
    private unsafe struct CountBody : IParallelBody
    {
        public int* Hits;
        public int* Workers;
        public int Threads;

        public readonly void Execute(int index, int worker)
        {
            Interlocked.Increment(ref Hits[index]);
            if (worker < 0 || worker >= Threads) Interlocked.Increment(ref Workers[0]);
            else Interlocked.Increment(ref Workers[1 + worker]);
        }
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1000, 1)]
    [InlineData(1000, 2)]
    [InlineData(7, 4)]
    [InlineData(5000, 3)]
    public unsafe void RunsEveryIndexExactlyOnceWithWorkerIdsInRange(int count, int threads)
    {
        var hits = new int[count];
        var workers = new int[1 + threads];
        fixed (int* h = hits)
        fixed (int* w = workers)
        {
            var body = new CountBody { Hits = h, Workers = w, Threads = threads };
            for (int rep = 0; rep < 20; rep++) ParallelFor.Run(count, threads, ref body);
        }
        Assert.All(hits, v => Assert.Equal(20, v));
        Assert.Equal(0, workers[0]);
        Assert.Equal(20L * count, workers.Skip(1).Sum(v => (long)v));
    }

    private struct Summer : IParallelBody
    {
        public long[] Slots;

        public readonly void Execute(int index, int worker) => Interlocked.Add(ref Slots[0], index);
    }

    [Fact]
    public void StructFieldsReachWorkersAndAllocationsAreZeroAfterWarmUp()
    {
        var body = new Summer { Slots = new long[1] };
        for (int i = 0; i < 10; i++) ParallelFor.Run(100, 2, ref body);
        body.Slots[0] = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++) ParallelFor.Run(100, 2, ref body);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(200L * (99 * 100 / 2), body.Slots[0]);
    }

    private sealed class Thrower : IParallelBody
    {
        public void Execute(int index, int worker)
        {
            if (index == 37) throw new InvalidOperationException("boom");
        }
    }

    [Fact]
    public void AnIterationsExceptionReachesTheCallerAndThePoolStaysUsable()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => ParallelFor.Run(100, 2, new Thrower()));
        Assert.Equal("boom", ex.Message);
        var body = new Summer { Slots = new long[1] };
        ParallelFor.Run(10, 2, ref body);
        Assert.Equal(45, body.Slots[0]);
    }

    private struct Nested : IParallelBody
    {
        public long[] Slots;

        public readonly void Execute(int index, int worker)
        {
            var inner = new Summer { Slots = Slots };
            ParallelFor.Run(10, 2, ref inner); // runs inline: the pool is busy with the outer loop
        }
    }

    [Fact]
    public void NestedCallsRunInlineInsteadOfDeadlocking()
    {
        var body = new Nested { Slots = new long[1] };
        ParallelFor.Run(8, 2, ref body);
        Assert.Equal(8 * 45, body.Slots[0]);
    }
}
