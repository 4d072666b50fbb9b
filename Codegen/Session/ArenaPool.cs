using System.Runtime.InteropServices;

namespace Engine.Codegen;

/// <summary>
/// Arenas for concurrent runs of one compiled model: a fixed array of slots taken and returned with
/// Interlocked operations (lock-free, no managed allocation). A run that finds no free arena allocates a
/// native one; an arena returned to a full pool is freed. So N concurrent callers hold N arenas.
/// </summary>
internal sealed unsafe class ArenaPool : IDisposable
{
    private readonly nint[] _slots;
    private readonly long _length;

    public ArenaPool(long length, int slots)
    {
        _length = Math.Max(64, length);
        _slots = new nint[Math.Max(1, slots)];
    }

    public long Length => _length;

    public nint Rent()
    {
        var slots = _slots;
        for (int i = 0; i < slots.Length; i++)
        {
            if (Volatile.Read(ref slots[i]) == 0) continue;
            nint p = Interlocked.Exchange(ref slots[i], 0);
            if (p != 0) return p;
        }
        return (nint)NativeMemory.AlignedAlloc((nuint)_length, 64);
    }

    public void Return(nint arena)
    {
        var slots = _slots;
        for (int i = 0; i < slots.Length; i++)
            if (Interlocked.CompareExchange(ref slots[i], arena, 0) == 0) return;
        NativeMemory.AlignedFree((void*)arena);
    }

    /// <summary>Frees the pooled arenas (callers must not run any more).</summary>
    public void Dispose()
    {
        for (int i = 0; i < _slots.Length; i++)
        {
            nint p = Interlocked.Exchange(ref _slots[i], 0);
            if (p != 0) NativeMemory.AlignedFree((void*)p);
        }
    }
}
