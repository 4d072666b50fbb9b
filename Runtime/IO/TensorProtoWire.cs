using System.Buffers.Binary;
using System.Text;

namespace Engine.Runtime.IO;

/// <summary>
/// A minimal reader and writer of ONNX TensorProto files (input_N.pb / output_N.pb) on the protobuf
/// wire format itself, so compiled artifacts need no Protobuf library: dims, data_type, name, raw_data
/// and the typed fields float_data, int32_data, int64_data, double_data, uint64_data (packed or not).
/// Every length is checked against the bytes left and the element count against the shape; any
/// problem is a one-line <see cref="EngineException"/> naming the file. Other fields are skipped;
/// strings, segments and external data are refused.
/// </summary>
public static class TensorProtoWire
{
    /// <summary>Upper bound on one tensor's bytes (guards against hostile dims).</summary>
    public const long MaxTensorBytes = 4L << 30;

    public static (string Name, Tensor Tensor) ReadFile(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EngineException($"{path}: cannot read ({e.Message.Split('\n')[0]})");
        }
        return Read(bytes, path);
    }

    /// <summary>Parses one serialized TensorProto; <paramref name="owner"/> names it in errors.</summary>
    public static (string Name, Tensor Tensor) Read(ReadOnlySpan<byte> data, string owner)
    {
        var dims = new List<long>();
        var floats = new List<float>();
        var doubles = new List<double>();
        var int32s = new List<long>();
        var int64s = new List<long>();
        var uint64s = new List<ulong>();
        int dataType = 0;
        string name = "";
        int rawStart = -1, rawLength = 0;
        int pos = 0;
        while (pos < data.Length)
        {
            ulong tag = Varint(data, ref pos, owner);
            int field = (int)(tag >> 3), wire = (int)(tag & 7);
            switch (field, wire)
            {
                case (1, 0): dims.Add((long)Varint(data, ref pos, owner)); break;
                case (1, 2): foreach (var v in PackedVarints(data, ref pos, owner)) dims.Add((long)v); break;
                case (2, 0): dataType = (int)Varint(data, ref pos, owner); break;
                case (4, 5): floats.Add(BinaryPrimitives.ReadSingleLittleEndian(Fixed(data, ref pos, 4, owner))); break;
                case (4, 2):
                    {
                        var span = Bytes(data, ref pos, owner);
                        if (span.Length % 4 != 0) throw Bad(owner, "float_data is not a whole number of floats");
                        for (int i = 0; i < span.Length; i += 4) floats.Add(BinaryPrimitives.ReadSingleLittleEndian(span[i..]));
                        break;
                    }
                case (5, 0): int32s.Add((long)Varint(data, ref pos, owner)); break;
                case (5, 2): foreach (var v in PackedVarints(data, ref pos, owner)) int32s.Add((long)v); break;
                case (7, 0): int64s.Add((long)Varint(data, ref pos, owner)); break;
                case (7, 2): foreach (var v in PackedVarints(data, ref pos, owner)) int64s.Add((long)v); break;
                case (8, 2): name = DecodeUtf8(Bytes(data, ref pos, owner), owner); break;
                case (9, 2):
                    {
                        ulong len = Varint(data, ref pos, owner);
                        if (len > (ulong)(data.Length - pos)) throw Bad(owner, "raw_data runs past the end of the file");
                        rawStart = pos;
                        rawLength = (int)len;
                        pos += (int)len;
                        break;
                    }
                case (10, 1): doubles.Add(BinaryPrimitives.ReadDoubleLittleEndian(Fixed(data, ref pos, 8, owner))); break;
                case (10, 2):
                    {
                        var span = Bytes(data, ref pos, owner);
                        if (span.Length % 8 != 0) throw Bad(owner, "double_data is not a whole number of doubles");
                        for (int i = 0; i < span.Length; i += 8) doubles.Add(BinaryPrimitives.ReadDoubleLittleEndian(span[i..]));
                        break;
                    }
                case (11, 0): uint64s.Add(Varint(data, ref pos, owner)); break;
                case (11, 2): foreach (var v in PackedVarints(data, ref pos, owner)) uint64s.Add(v); break;
                case (3, _): throw Bad(owner, "segmented tensors are not supported");
                case (6, _): throw Bad(owner, "string tensors are not supported here");
                case (14, 0):
                    if (Varint(data, ref pos, owner) != 0) throw Bad(owner, "external data is not supported here");
                    break;
                default: Skip(data, ref pos, wire, owner); break;
            }
        }

        var type = (DataType)dataType;
        if (!DataTypes.IsSupported(type) || type == DataType.String)
            throw Bad(owner, $"element type {dataType} is not supported");
        var shape = new int[dims.Count];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (dims[i] < 0 || dims[i] > int.MaxValue) throw Bad(owner, $"invalid dimension {dims[i]}");
            shape[i] = (int)dims[i];
            count *= dims[i];
            if (count > Tensor.MaxElements || count * DataTypes.Size(type) > MaxTensorBytes)
                throw Bad(owner, $"shape {string.Join("x", dims)} is over the size limit");
        }
        string what = $"{owner}: tensor '{name}'";
        if (rawStart >= 0)
        {
            try
            {
                return (name, Tensor.FromRawBytes(type, shape, data.Slice(rawStart, rawLength)));
            }
            catch (EngineException e)
            {
                throw new EngineException($"{what}: {e.Message}");
            }
        }
        int have = type switch
        {
            DataType.Float => floats.Count,
            DataType.Double => doubles.Count,
            DataType.Int64 => int64s.Count,
            DataType.UInt32 or DataType.UInt64 => uint64s.Count,
            _ => int32s.Count,
        };
        if (have != count) throw new EngineException($"{what} has {have} values but shape {Tensor.ShapeString(shape)} needs {count}");
        var t = Tensor.Zeros(type, shape);
        int n = (int)count;
        // Switch on the element type, never on the array (CLR covariance lets int[] match uint[]).
        switch (type)
        {
            case DataType.Float: floats.CopyTo(t.As<float>()); break;
            case DataType.Double: doubles.CopyTo(t.As<double>()); break;
            case DataType.Int64: int64s.CopyTo(t.As<long>()); break;
            case DataType.UInt64: uint64s.CopyTo(t.As<ulong>()); break;
            case DataType.UInt32: { var a = t.As<uint>(); for (int i = 0; i < n; i++) a[i] = (uint)uint64s[i]; break; }
            case DataType.Int32: { var a = t.As<int>(); for (int i = 0; i < n; i++) a[i] = (int)int32s[i]; break; }
            case DataType.Int16: { var a = t.As<short>(); for (int i = 0; i < n; i++) a[i] = (short)int32s[i]; break; }
            case DataType.UInt16 or DataType.BFloat16: { var a = t.As<ushort>(); for (int i = 0; i < n; i++) a[i] = (ushort)int32s[i]; break; }
            case DataType.Int8: { var a = t.As<sbyte>(); for (int i = 0; i < n; i++) a[i] = (sbyte)int32s[i]; break; }
            case DataType.UInt8: { var a = t.As<byte>(); for (int i = 0; i < n; i++) a[i] = (byte)int32s[i]; break; }
            case DataType.Bool: { var a = t.As<bool>(); for (int i = 0; i < n; i++) a[i] = int32s[i] != 0; break; }
            case DataType.Float16: { var a = t.As<Half>(); for (int i = 0; i < n; i++) a[i] = BitConverter.UInt16BitsToHalf((ushort)int32s[i]); break; }
            default: throw new EngineException($"{what}: cannot read element type {type}");
        }
        return (name, t);
    }

    /// <summary>Serializes as ONNX tools do: dims, data_type, name, raw_data (field order, proto2 unpacked dims).</summary>
    public static byte[] Write(Tensor t, string name)
    {
        var raw = t.ToRawBytes();
        var nameBytes = Encoding.UTF8.GetBytes(name);
        using var ms = new MemoryStream(raw.Length + nameBytes.Length + 16 + 11 * t.Shape.Length);
        foreach (var d in t.Shape)
        {
            WriteVarint(ms, 1 << 3);
            WriteVarint(ms, (ulong)d);
        }
        WriteVarint(ms, 2 << 3);
        WriteVarint(ms, (ulong)(int)t.Type);
        WriteVarint(ms, (8 << 3) | 2);
        WriteVarint(ms, (ulong)nameBytes.Length);
        ms.Write(nameBytes);
        WriteVarint(ms, (9 << 3) | 2);
        WriteVarint(ms, (ulong)raw.Length);
        ms.Write(raw);
        return ms.ToArray();
    }

    /// <summary>Writes the file through a temporary file and a rename, so a reader never sees half of it.</summary>
    public static void WriteFile(string path, Tensor t, string name)
    {
        var bytes = Write(t, name);
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw new EngineException($"{path}: cannot write ({e.Message.Split('\n')[0]})");
        }
    }

    private static void WriteVarint(Stream s, ulong v)
    {
        while (v >= 0x80)
        {
            s.WriteByte((byte)(v | 0x80));
            v >>= 7;
        }
        s.WriteByte((byte)v);
    }

    private static ulong Varint(ReadOnlySpan<byte> data, ref int pos, string owner)
    {
        ulong result = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (pos >= data.Length) throw Bad(owner, "truncated varint");
            byte b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw Bad(owner, "varint longer than 10 bytes");
    }

    private static ReadOnlySpan<byte> Fixed(ReadOnlySpan<byte> data, ref int pos, int size, string owner)
    {
        if (data.Length - pos < size) throw Bad(owner, "truncated fixed-width value");
        var s = data.Slice(pos, size);
        pos += size;
        return s;
    }

    private static ReadOnlySpan<byte> Bytes(ReadOnlySpan<byte> data, ref int pos, string owner)
    {
        ulong len = Varint(data, ref pos, owner);
        if (len > (ulong)(data.Length - pos)) throw Bad(owner, "a length-delimited field runs past the end of the file");
        var s = data.Slice(pos, (int)len);
        pos += (int)len;
        return s;
    }

    private static List<ulong> PackedVarints(ReadOnlySpan<byte> data, ref int pos, string owner)
    {
        var span = Bytes(data, ref pos, owner);
        var list = new List<ulong>();
        int p = 0;
        while (p < span.Length) list.Add(Varint(span, ref p, owner));
        return list;
    }

    private static void Skip(ReadOnlySpan<byte> data, ref int pos, int wire, string owner)
    {
        switch (wire)
        {
            case 0: Varint(data, ref pos, owner); break;
            case 1: Fixed(data, ref pos, 8, owner); break;
            case 2: Bytes(data, ref pos, owner); break;
            case 5: Fixed(data, ref pos, 4, owner); break;
            default: throw Bad(owner, $"unsupported wire type {wire}");
        }
    }

    private static string DecodeUtf8(ReadOnlySpan<byte> bytes, string owner)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (ArgumentException)
        {
            throw Bad(owner, "name is not valid UTF-8");
        }
    }

    private static EngineException Bad(string owner, string problem) => new($"{owner}: not a valid TensorProto ({problem})");
}
