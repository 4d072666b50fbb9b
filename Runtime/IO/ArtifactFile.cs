using System.Buffers.Binary;
using System.Text;

namespace Engine.Runtime.IO;

/// <summary>A graph input or output of a compiled artifact: name, element type, static shape.</summary>
public sealed record ArtifactTensorInfo(string Name, DataType Type, int[] Shape);

/// <summary>
/// The weights file of an AOT artifact (<c>Model.weights</c>): one binary blob holding the model's
/// input/output signatures and the generated class's constructor weights, so the generated source holds
/// no model text and no data. Little-endian layout:
/// <c>"ENGW" u32 version | u32 n, n × info | u32 n, n × info | u32 n, n × tensor</c>, where
/// info = <c>u32 nameBytes, UTF-8 name, i32 type, i32 rank, rank × i32 dim</c> and
/// tensor = <c>i32 type, i32 rank, rank × i32 dim, i64 byteLength, raw bytes</c>.
/// The reader checks every count and length against the bytes left and the shapes.
/// </summary>
public static class ArtifactFile
{
    private static ReadOnlySpan<byte> Magic => "ENGW"u8;
    private const uint Version = 1;

    public static byte[] Write(IReadOnlyList<ArtifactTensorInfo> inputs, IReadOnlyList<ArtifactTensorInfo> outputs, IReadOnlyList<Tensor> weights)
    {
        using var ms = new MemoryStream();
        ms.Write(Magic);
        U32(ms, Version);
        foreach (var list in new[] { inputs, outputs })
        {
            U32(ms, (uint)list.Count);
            foreach (var info in list)
            {
                var name = Encoding.UTF8.GetBytes(info.Name);
                U32(ms, (uint)name.Length);
                ms.Write(name);
                Shape(ms, info.Type, info.Shape);
            }
        }
        U32(ms, (uint)weights.Count);
        foreach (var w in weights)
        {
            if (w.Type == DataType.String) throw new EngineException("artifact: string weights cannot be written to the weights file");
            Shape(ms, w.Type, w.Shape);
            var raw = w.ToRawBytes();
            U32(ms, (uint)raw.Length);
            U32(ms, (uint)((long)raw.Length >> 32));
            ms.Write(raw);
        }
        return ms.ToArray();
    }

    public static (ArtifactTensorInfo[] Inputs, ArtifactTensorInfo[] Outputs, Tensor[] Weights) ReadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineException($"{path}: cannot read the weights file ({e.Message.Split('\n')[0]})");
        }
        return Read(bytes, path);
    }

    public static (ArtifactTensorInfo[] Inputs, ArtifactTensorInfo[] Outputs, Tensor[] Weights) Read(ReadOnlySpan<byte> data, string owner)
    {
        int pos = 0;
        if (data.Length < 8 || !data[..4].SequenceEqual(Magic)) throw Bad(owner, "it does not start with ENGW");
        pos = 4;
        uint version = ReadU32(data, ref pos, owner);
        if (version != Version) throw Bad(owner, $"version {version}, this runtime reads {Version}");
        var lists = new ArtifactTensorInfo[2][];
        for (int l = 0; l < 2; l++)
        {
            uint n = ReadU32(data, ref pos, owner);
            if (n > (uint)(data.Length - pos) / 12) throw Bad(owner, $"{n} signatures cannot fit in the file");
            lists[l] = new ArtifactTensorInfo[n];
            for (int i = 0; i < n; i++)
            {
                uint len = ReadU32(data, ref pos, owner);
                if (len > (uint)(data.Length - pos)) throw Bad(owner, "a name runs past the end");
                string name;
                try
                {
                    name = new UTF8Encoding(false, true).GetString(data.Slice(pos, (int)len));
                }
                catch (ArgumentException)
                {
                    throw Bad(owner, "a name is not valid UTF-8");
                }
                pos += (int)len;
                var (type, shape, _) = ReadShape(data, ref pos, owner);
                lists[l][i] = new ArtifactTensorInfo(name, type, shape);
            }
        }
        uint count = ReadU32(data, ref pos, owner);
        if (count > (uint)(data.Length - pos) / 16) throw Bad(owner, $"{count} weights cannot fit in the file");
        var weights = new Tensor[count];
        for (int i = 0; i < count; i++)
        {
            var (type, shape, bytes) = ReadShape(data, ref pos, owner);
            if (data.Length - pos < 8) throw Bad(owner, $"weight {i} is truncated");
            long len = BinaryPrimitives.ReadInt64LittleEndian(data[pos..]);
            pos += 8;
            if (len != bytes) throw Bad(owner, $"weight {i} holds {len} bytes but its shape needs {bytes}");
            if (len > data.Length - pos) throw Bad(owner, $"weight {i} runs past the end");
            weights[i] = Tensor.FromRawBytes(type, shape, data.Slice(pos, (int)len));
            pos += (int)len;
        }
        if (pos != data.Length) throw Bad(owner, $"{data.Length - pos} unexpected bytes at the end");
        return (lists[0], lists[1], weights);
    }

    private static (DataType Type, int[] Shape, long Bytes) ReadShape(ReadOnlySpan<byte> data, ref int pos, string owner)
    {
        var type = (DataType)(int)ReadU32(data, ref pos, owner);
        if (!DataTypes.IsSupported(type) || type == DataType.String) throw Bad(owner, $"element type {(int)type} is not supported");
        uint rank = ReadU32(data, ref pos, owner);
        if (rank > 64) throw Bad(owner, $"rank {rank} is not plausible");
        var shape = new int[rank];
        long count = 1;
        for (int d = 0; d < rank; d++)
        {
            int dim = (int)ReadU32(data, ref pos, owner);
            if (dim < 0) throw Bad(owner, $"negative dimension {dim}");
            shape[d] = dim;
            count *= dim;
            if (count > Tensor.MaxElements) throw Bad(owner, "a shape is over the size limit");
        }
        return (type, shape, count * DataTypes.Size(type));
    }

    private static void Shape(Stream s, DataType type, int[] shape)
    {
        U32(s, (uint)(int)type);
        U32(s, (uint)shape.Length);
        foreach (var d in shape) U32(s, (uint)d);
    }

    private static void U32(Stream s, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        s.Write(b);
    }

    private static uint ReadU32(ReadOnlySpan<byte> data, ref int pos, string owner)
    {
        if (data.Length - pos < 4) throw Bad(owner, "truncated");
        uint v = BinaryPrimitives.ReadUInt32LittleEndian(data[pos..]);
        pos += 4;
        return v;
    }

    private static EngineException Bad(string owner, string problem) => new($"{owner}: not a valid Engine weights file ({problem})");
}
