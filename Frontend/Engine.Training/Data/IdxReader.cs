using System.Buffers.Binary;
using System.IO.Compression;
using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// Reads IDX files (LeCun's MNIST format, also Fashion-MNIST), gzip-compressed or not: a magic number
/// (0, 0, type, rank), big-endian dims, then the data. Sizes are checked before anything is allocated.
/// </summary>
public static class IdxReader
{
    public static (int[] Shape, byte[] Data) ReadBytes(string path)
    {
        if (!File.Exists(path)) throw new EngineException($"IDX file '{path}' not found");
        using var file = File.OpenRead(path);
        using Stream s = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
        Span<byte> head = stackalloc byte[4];
        ReadExactly(s, head, path, "header");
        if (head[0] != 0 || head[1] != 0) throw new EngineException($"IDX file '{path}': bad magic number");
        if (head[2] != 0x08) throw new EngineException($"IDX file '{path}': element type 0x{head[2]:x2} is not unsigned byte (0x08)");
        int rank = head[3];
        if (rank is < 1 or > 4) throw new EngineException($"IDX file '{path}': rank {rank} is not supported");
        var shape = new int[rank];
        Span<byte> dim = stackalloc byte[4];
        long total = 1;
        for (int i = 0; i < rank; i++)
        {
            ReadExactly(s, dim, path, "dims");
            uint d = BinaryPrimitives.ReadUInt32BigEndian(dim);
            if (d == 0 || d > int.MaxValue) throw new EngineException($"IDX file '{path}': dim {i} is {d}");
            shape[i] = (int)d;
            total *= d;
            if (total > 1L << 31) throw new EngineException($"IDX file '{path}': {total}+ elements is too large");
        }
        var data = new byte[total];
        ReadExactly(s, data, path, "data");
        return (shape, data);
    }

    private static void ReadExactly(Stream s, Span<byte> buffer, string path, string what)
    {
        try
        {
            s.ReadExactly(buffer);
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            throw new EngineException($"IDX file '{path}': truncated or corrupt {what} ({e.Message})");
        }
    }

    /// <summary>An image file ([n, rows, cols]) and its label file as a dataset of [1, rows, cols] samples scaled to [0, 1].</summary>
    public static Dataset ReadImages(string imagesPath, string labelsPath, int classes, string name)
    {
        var (shape, pixels) = ReadBytes(imagesPath);
        var (lshape, labels) = ReadBytes(labelsPath);
        if (shape.Length != 3) throw new EngineException($"IDX file '{imagesPath}': expected [n, rows, cols] images, got rank {shape.Length}");
        if (lshape.Length != 1 || lshape[0] != shape[0]) throw new EngineException($"IDX file '{labelsPath}': {lshape[0]} labels for {shape[0]} images");
        var x = new float[pixels.Length];
        for (int i = 0; i < x.Length; i++) x[i] = pixels[i] / 255f;
        return new Dataset(name, x, [1, shape[1], shape[2]], labels.Select(b => (long)b).ToArray(), classes);
    }
}
