namespace Engine.Passes.Memory;

/// <summary>
/// Where a value's first byte is: <paramref name="ByteOffset"/> bytes into the arena, or into graph
/// input / output / initializer number <paramref name="Index"/> (Index is 0 for the arena). Views and
/// concat slices resolve to their root's buffer plus an offset.
/// </summary>
public readonly record struct BufferLocation(BufferKind Kind, int Index, long ByteOffset)
{
    public override string ToString() => Kind switch
    {
        BufferKind.Arena => $"arena+{ByteOffset}",
        BufferKind.GraphInput => $"input[{Index}]+{ByteOffset}",
        BufferKind.GraphOutput => $"output[{Index}]+{ByteOffset}",
        _ => $"initializer[{Index}]+{ByteOffset}",
    };
}
