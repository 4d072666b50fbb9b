using System.Text;
using Engine.Onnx.Proto;
using Engine.Runtime;
using Google.Protobuf;

namespace Engine.Onnx;

/// <summary>
/// TensorProto ↔ Tensor. Accepts raw_data and every typed field (float_data, int32_data holding
/// 8/16-bit ints, f16 and bf16 bits, int64_data, uint64_data holding uint32/uint64, double_data,
/// string_data) and external data files next to the model.
/// </summary>
public static class TensorProtoConverter
{
    /// <summary>Upper bound on one tensor's bytes (guards against hostile dims).</summary>
    public const long MaxTensorBytes = 4L << 30;

    public static Tensor ToTensor(TensorProto p, string owner, string? baseDirectory = null)
    {
        string what = $"{owner}: tensor '{p.Name}'";
        var type = (DataType)p.DataType;
        if (!DataTypes.IsSupported(type))
            throw new EngineException($"{what} has element type {(TensorProto.Types.DataType)p.DataType}, which is not supported");
        var shape = new int[p.Dims.Count];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = p.Dims[i];
            if (d < 0 || d > int.MaxValue) throw new EngineException($"{what} has invalid dimension {d}");
            shape[i] = (int)d;
            count *= d;
            if (count > Tensor.MaxElements || count * Math.Max(1, DataTypes.Size(type)) > MaxTensorBytes)
                throw new EngineException($"{what} has {string.Join("x", p.Dims)} elements, over the limit");
        }
        try
        {
            if (p.DataLocation == TensorProto.Types.DataLocation.External)
                return FromExternal(p, type, shape, what, baseDirectory);
            if (p.HasRawData) return Tensor.FromRawBytes(type, shape, p.RawData.Span);
            return FromTypedFields(p, type, shape, (int)count, what);
        }
        catch (EngineException e) when (!e.Message.StartsWith(owner, StringComparison.Ordinal))
        {
            throw new EngineException($"{what}: {e.Message}");
        }
    }

    private static Tensor FromExternal(TensorProto p, DataType type, int[] shape, string what, string? baseDirectory)
    {
        string? location = null;
        long offset = 0, length = -1;
        foreach (var kv in p.ExternalData)
        {
            switch (kv.Key)
            {
                case "location": location = kv.Value; break;
                case "offset": offset = ParseExternalNumber(kv.Value, "offset", what); break;
                case "length": length = ParseExternalNumber(kv.Value, "length", what); break;
            }
        }
        if (location is null) throw new EngineException($"{what} is external but has no 'location'");
        if (Path.IsPathRooted(location) || location.Split('/', '\\').Contains(".."))
            throw new EngineException($"{what}: external data location '{location}' must be a relative path inside the model's folder");
        var path = Path.Combine(baseDirectory ?? ".", location);
        if (!File.Exists(path)) throw new EngineException($"{what}: external data file '{path}' does not exist");
        long need = Tensor.ElementCount(shape) * DataTypes.Size(type);
        if (length >= 0 && length != need) throw new EngineException($"{what}: external length {length} but shape needs {need} bytes");
        using var f = File.OpenRead(path);
        if (offset < 0 || offset > f.Length - need) throw new EngineException($"{what}: external data range {offset}+{need} is outside '{path}' ({f.Length} bytes)");
        var buf = new byte[need];
        f.Seek(offset, SeekOrigin.Begin);
        f.ReadExactly(buf);
        return Tensor.FromRawBytes(type, shape, buf);
    }

    private static long ParseExternalNumber(string text, string key, string what) =>
        long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v : throw new EngineException($"{what}: external data '{key}' is '{text}', not a non-negative integer");

    private static Tensor FromTypedFields(TensorProto p, DataType type, int[] shape, int count, string what)
    {
        int have = type switch
        {
            DataType.Float => p.FloatData.Count,
            DataType.Double => p.DoubleData.Count,
            DataType.Int64 => p.Int64Data.Count,
            DataType.UInt32 or DataType.UInt64 => p.Uint64Data.Count,
            DataType.String => p.StringData.Count,
            _ => p.Int32Data.Count,
        };
        if (have != count) throw new EngineException($"{what} has {have} values but shape [{string.Join(",", shape)}] needs {count}");
        var t = Tensor.Zeros(type, shape);
        // Switch on the element type, not the array: the CLR lets int[] match a uint[] pattern.
        switch (type)
        {
            case DataType.Float: p.FloatData.CopyTo(t.As<float>(), 0); break;
            case DataType.Double: p.DoubleData.CopyTo(t.As<double>(), 0); break;
            case DataType.Int64: p.Int64Data.CopyTo(t.As<long>(), 0); break;
            case DataType.UInt64: p.Uint64Data.CopyTo(t.As<ulong>(), 0); break;
            case DataType.UInt32: { var a = t.As<uint>(); for (int i = 0; i < count; i++) a[i] = (uint)p.Uint64Data[i]; break; }
            case DataType.String: { var a = t.As<string>(); for (int i = 0; i < count; i++) a[i] = p.StringData[i].ToStringUtf8(); break; }
            case DataType.Int32: p.Int32Data.CopyTo(t.As<int>(), 0); break;
            case DataType.Int16: { var a = t.As<short>(); for (int i = 0; i < count; i++) a[i] = (short)p.Int32Data[i]; break; }
            case DataType.UInt16 or DataType.BFloat16: { var a = t.As<ushort>(); for (int i = 0; i < count; i++) a[i] = (ushort)p.Int32Data[i]; break; }
            case DataType.Int8: { var a = t.As<sbyte>(); for (int i = 0; i < count; i++) a[i] = (sbyte)p.Int32Data[i]; break; }
            case DataType.UInt8: { var a = t.As<byte>(); for (int i = 0; i < count; i++) a[i] = (byte)p.Int32Data[i]; break; }
            case DataType.Bool: { var a = t.As<bool>(); for (int i = 0; i < count; i++) a[i] = p.Int32Data[i] != 0; break; }
            case DataType.Float16: { var a = t.As<Half>(); for (int i = 0; i < count; i++) a[i] = BitConverter.UInt16BitsToHalf((ushort)p.Int32Data[i]); break; }
            default: throw new EngineException($"{what}: cannot read element type {type}");
        }
        return t;
    }

    public static TensorProto FromTensor(Tensor t, string name)
    {
        var p = new TensorProto { Name = name, DataType = (int)t.Type };
        foreach (var d in t.Shape) p.Dims.Add(d);
        if (t.Data is string[] s)
        {
            foreach (var x in s) p.StringData.Add(ByteString.CopyFrom(Encoding.UTF8.GetBytes(x)));
        }
        else
        {
            p.RawData = ByteString.CopyFrom(t.ToRawBytes());
        }
        return p;
    }

    /// <summary>Reads a serialized TensorProto file (input_N.pb / output_N.pb).</summary>
    public static (string Name, Tensor Tensor) ReadFile(string path)
    {
        TensorProto p;
        try
        {
            using var f = File.OpenRead(path);
            p = TensorProto.Parser.ParseFrom(f);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new EngineException($"{path}: not a valid TensorProto ({e.Message.Split('\n')[0]})");
        }
        catch (IOException e)
        {
            throw new EngineException($"{path}: cannot read ({e.Message})");
        }
        return (p.Name, ToTensor(p, path, Path.GetDirectoryName(path)));
    }

    public static void WriteFile(string path, Tensor t, string name)
    {
        var bytes = FromTensor(t, name).ToByteArray();
        SafeFile.WriteAllBytes(path, bytes);
    }
}
