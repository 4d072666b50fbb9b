using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Engine.Runtime.Compute;

/// <summary>
/// One iteration of a <see cref="ParallelFor"/> loop. Implement it on a struct that carries the loop's
/// operands (raw pointers, sizes): the struct is passed by reference, so a call allocates nothing.
/// </summary>
public interface IParallelBody
{
    /// <param name="index">The iteration, in [0, count).</param>
    /// <param name="worker">Which participant runs it, in [0, threads): lets a body use a per-worker slice of scratch memory.</param>
    void Execute(int index, int worker);
}

/// <summary>
/// A parallel-for over [0, count) on a fixed pool of long-lived worker threads. Unlike Parallel.For it
/// allocates nothing per call (no Task, no closure, no delegate): the body is a struct reached through a
/// function pointer, workers wait on their own semaphore after a short spin, and iterations are handed out
/// with an atomic counter. The calling thread participates as worker 0. Nested or concurrent calls run
/// sequentially on the calling thread instead of blocking, so a body may itself call ParallelFor.
/// NativeAOT-compatible: no reflection, no runtime code generation.
/// </summary>
public static unsafe class ParallelFor
{
    private static int _maxThreads = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Upper bound on the threads any call uses (default: the processor count).</summary>
    public static int MaxThreads
    {
        get => _maxThreads;
        set
        {
            if (value < 1 || value > 1024) throw new ArgumentOutOfRangeException(nameof(value), value, "threads must be in [1, 1024]");
            _maxThreads = value;
        }
    }

    /// <summary>Runs body.Execute(i, worker) for every i in [0, count) on up to <see cref="MaxThreads"/> threads.</summary>
    public static void Run<T>(int count, ref T body) where T : struct, IParallelBody => Run(count, MaxThreads, ref body);

    /// <summary>
    /// Runs body.Execute(i, worker) for every i in [0, count) on up to <paramref name="threads"/> threads
    /// (the caller included) and returns when all are done. The body is copied to the caller's stack for the
    /// run and copied back afterwards, so field writes made by the body are visible to the caller.
    /// The first exception thrown by an iteration is rethrown here after the others finished.
    /// </summary>
    public static void Run<T>(int count, int threads, ref T body) where T : struct, IParallelBody
    {
        if (count <= 0) return;
        threads = Math.Min(Math.Min(threads, _maxThreads), count);
        if (threads <= 1 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < count; i++) body.Execute(i, 0);
            return;
        }
        try
        {
            EnsureWorkers(threads - 1);
            // A stack copy cannot move during the run, so workers may hold a raw pointer to it.
            T local = body;
            _fn = &Invoke<T>;
            _ctx = Unsafe.AsPointer(ref local);
            _count = count;
            _next = 0;
            _done = 0;
            _error = null;
            int generation = _generation + 1;
            Volatile.Write(ref _generation, generation);
            // Opening the job last publishes everything above to a worker that reads _open == 1.
            Volatile.Write(ref _open, 1);
            for (int w = 0; w < threads - 1; w++) _workers[w]!.Wake(generation);
            Work(0);
            // Wait for the iterations, not for the workers: a worker that wakes late (a busy machine) finds
            // the job closed and goes back to sleep, so it never delays the caller.
            var spin = new SpinWait();
            while (Volatile.Read(ref _done) != count) spin.SpinOnce(sleep1Threshold: -1);
            Interlocked.Exchange(ref _open, 0);
            // Workers that registered before the close are past their last iteration; let them leave the job.
            while (Volatile.Read(ref _participants) != 0) spin.SpinOnce(sleep1Threshold: -1);
            _ctx = null;
            body = local;
            if (_error is { } e)
            {
                _error = null;
                ExceptionDispatchInfo.Throw(e);
            }
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    /// <summary>
    /// Same as the struct overload for a body object the caller created once and keeps (e.g. in a static
    /// field of generated code): calling it allocates nothing.
    /// </summary>
    public static void Run(int count, int threads, IParallelBody body)
    {
        var wrapper = new InterfaceBody(body);
        Run(count, threads, ref wrapper);
    }

    private readonly struct InterfaceBody(IParallelBody body) : IParallelBody
    {
        public void Execute(int index, int worker) => body.Execute(index, worker);
    }

    private static void Invoke<T>(void* ctx, int index, int worker) where T : struct, IParallelBody
        => Unsafe.AsRef<T>(ctx).Execute(index, worker);

    // The job being run; written by the caller before it publishes a new generation to the workers.
    private static delegate*<void*, int, int, void> _fn;
    private static void* _ctx;
    private static int _count;
    private static int _next;
    private static int _done;
    private static int _participants;
    private static int _open;
    private static int _generation;
    private static int _busy;
    private static Exception? _error;

    private static Worker?[] _workers = [];
    private static readonly Lock Gate = new();

    private static void EnsureWorkers(int needed)
    {
        if (_workers.Length >= needed) return;
        lock (Gate)
        {
            if (_workers.Length >= needed) return;
            var grown = new Worker?[needed];
            Array.Copy(_workers, grown, _workers.Length);
            for (int i = _workers.Length; i < needed; i++) grown[i] = new Worker(i + 1);
            _workers = grown;
        }
    }

    private static void Work(int worker)
    {
        int count = _count;
        while (true)
        {
            int i = Interlocked.Increment(ref _next) - 1;
            if (i >= count) return;
            try
            {
                _fn(_ctx, i, worker);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
            }
            Interlocked.Increment(ref _done);
        }
    }

    /// <summary>A pool thread: spins briefly for the next job (back-to-back kernels), then sleeps on its semaphore.</summary>
    private sealed class Worker
    {
        // Roughly tens of microseconds: long enough to catch the next kernel of a model, short enough not
        // to steal a shared core for long.
        private const int SpinIterations = 2000;

        private readonly int _id;
        private readonly SemaphoreSlim _signal = new(0);
        private int _wakeGeneration;
        private int _sleeping;

        public Worker(int id)
        {
            _id = id;
            var thread = new Thread(Loop, 512 * 1024) { IsBackground = true, Name = $"Engine.Compute.{id}" };
            thread.Start();
        }

        public void Wake(int generation)
        {
            Volatile.Write(ref _wakeGeneration, generation);
            // Only a worker that announced it is about to sleep gets a Release, so the semaphore's count
            // always matches the Waits the worker will do.
            if (Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1) _signal.Release();
        }

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                int spins = 0;
                while (Volatile.Read(ref _wakeGeneration) == seen)
                {
                    if (spins++ < SpinIterations)
                    {
                        Thread.SpinWait(20);
                        continue;
                    }
                    Interlocked.Exchange(ref _sleeping, 1);
                    if (Volatile.Read(ref _wakeGeneration) != seen && Interlocked.CompareExchange(ref _sleeping, 0, 1) == 1) break;
                    _signal.Wait();
                }
                seen = Volatile.Read(ref _wakeGeneration);
                // Join only the job we were woken for, and only while it is open.
                Interlocked.Increment(ref _participants);
                if (Volatile.Read(ref _open) == 1 && Volatile.Read(ref ParallelFor._generation) == seen) Work(_id);
                Interlocked.Decrement(ref _participants);
            }
        }
    }
}
