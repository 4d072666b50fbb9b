using System.Runtime.InteropServices;

namespace Engine.Runtime;

/// <summary>
/// A dense, row-major tensor: an element type, a shape and a CLR array holding the elements.
/// Storage per type is fixed by <see cref="DataTypes.ClrType"/> (bf16 keeps raw ushort bits).
/// Tensors are treated as immutable once handed to a kernel; kernels allocate their outputs.
/// </summary>
public sealed class Tensor
{
    /// <summary>Largest element count a tensor may have (arrays are int-indexed).</summary>
    public const long MaxElements = int.MaxValue / 2;

    public DataType Type { get; }

    public int[] Shape { get; }

    public Array Data { get; }

    public int Length => Data.Length;

    public int Rank => Shape.Length;

    public Tensor(DataType type, int[] shape, Array data)
    {
        if (!DataTypes.IsSupported(type)) throw new EngineException($"element type {type} is not supported");
        if (data.GetType().GetElementType() != DataTypes.ClrType(type))
            throw new EngineException($"tensor of {type} cannot hold a {data.GetType().Name}");
        long n = ElementCount(shape);
        if (n != data.Length)
            throw new EngineException($"tensor shape {ShapeString(shape)} needs {n} elements but has {data.Length}");
        Type = type;
        Shape = shape;
        Data = data;
    }

    public static Tensor FromArray<T>(T[] data, params int[] shape) => new(DataTypes.Of<T>(), shape, data);

    public static Tensor Scalar<T>(T value) => new(DataTypes.Of<T>(), [], new[] { value });

    /// <summary>A bf16 tensor from raw bit patterns.</summary>
    public static Tensor BFloat16(ushort[] bits, params int[] shape) => new(DataType.BFloat16, shape, bits);

    public static Tensor Zeros(DataType type, params int[] shape)
    {
        long n = ElementCount(shape);
        int len = (int)n;
        Array data = type switch
        {
            DataType.Float => new float[len],
            DataType.Double => new double[len],
            DataType.Float16 => new Half[len],
            DataType.BFloat16 or DataType.UInt16 => new ushort[len],
            DataType.Int8 => new sbyte[len],
            DataType.UInt8 => new byte[len],
            DataType.Int16 => new short[len],
            DataType.Int32 => new int[len],
            DataType.UInt32 => new uint[len],
            DataType.Int64 => new long[len],
            DataType.UInt64 => new ulong[len],
            DataType.Bool => new bool[len],
            DataType.String => Enumerable.Repeat(string.Empty, len).ToArray(),
            _ => throw new EngineException($"element type {type} is not supported"),
        };
        return new Tensor(type, shape, data);
    }

    public T[] As<T>() => Data as T[] ?? throw new EngineException($"tensor holds {Type}, not {typeof(T).Name}");

    public Span<T> Span<T>() => As<T>().AsSpan();

    /// <summary>Same elements, another shape (shares storage).</summary>
    public Tensor Reshape(params int[] shape) => new(Type, shape, Data);

    /// <summary>A deep copy.</summary>
    public Tensor Clone() => new(Type, (int[])Shape.Clone(), (Array)Data.Clone());

    public static long ElementCount(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new EngineException($"negative dimension {d} in shape {ShapeString(shape)}");
            n *= d;
            if (n > MaxElements) throw new EngineException($"shape {ShapeString(shape)} has more than {MaxElements} elements");
        }
        return n;
    }

    /// <summary>Row-major strides in elements.</summary>
    public static int[] StridesOf(ReadOnlySpan<int> shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    public static string ShapeString(ReadOnlySpan<int> shape) => "[" + string.Join(",", shape.ToArray()) + "]";

    public override string ToString() => $"{DataTypes.ShortName(Type)}{ShapeString(Shape)}";

    /// <summary>Elements widened to double (bool → 0/1, bf16/f16 decoded). Strings throw.</summary>
    public double[] ToDoubleArray()
    {
        var r = new double[Length];
        // Switch on Type, not on the array's runtime type: the CLR lets a byte[] match an sbyte[]
        // pattern (likewise ushort/short, uint/int, ulong/long), which would read unsigned data as signed.
        switch (Type)
        {
            case DataType.Float: { var a = (float[])Data; for (int i = 0; i < a.Length; i++) r[i] = a[i]; break; }
            case DataType.Double: Array.Copy((double[])Data, r, r.Length); break;
            case DataType.Float16: { var a = (Half[])Data; for (int i = 0; i < a.Length; i++) r[i] = (double)a[i]; break; }
            case DataType.BFloat16: { var a = (ushort[])Data; for (int i = 0; i < a.Length; i++) r[i] = BFloat16Bits.ToFloat(a[i]); break; }
            case DataType.Int8: { var a = (sbyte[])Data; for (int i = 0; i < a.Length; i++) r[i] = a[i]; break; }
            case DataType.UInt8: { var a = (byte[])Data; for (int i = 0; i < a.Length; i++) r[i] = a[i]; break; }
            case DataType.Int16: { var a = (short[])Data; for (int i = 0; i < a.Length; i++) r[i] = a[i]; break; }
            case DataType.UInt16: { var a = (ushort[])Data; for (int i = 0; i < a.Length; i++) r[i] = a[i]; break; }
            case DataType.Int32: { var a = (int[])Data; for (int i = 0; i < a.Length; i++) r[i] = a[i]; break; }
            case DataType.UInt32: { var a = (uint[])Data; for (int i = 0; i < a.Length; i++) r[i] = a[i]; break; }
            case DataType.Int64: { var a = (long[])Data; for (int i = 0; i < a.Length; i++) r[i] = a[i]; break; }
            case DataType.UInt64: { var a = (ulong[])Data; for (int i = 0; i < a.Length; i++) r[i] = a[i]; break; }
            case DataType.Bool: { var a = (bool[])Data; for (int i = 0; i < a.Length; i++) r[i] = a[i] ? 1 : 0; break; }
            default: throw new EngineException($"cannot read a {Type} tensor as numbers");
        }
        return r;
    }

    /// <summary>Elements as int64 (for shapes, axes, indices, counts). Floats truncate toward zero.</summary>
    public long[] ToInt64Array()
    {
        if (Type == DataType.Int64) return (long[])((long[])Data).Clone();
        if (Type == DataType.Int32 && Data is int[] i32)
        {
            var r = new long[i32.Length];
            for (int i = 0; i < r.Length; i++) r[i] = i32[i];
            return r;
        }
        if (Type == DataType.UInt64 && Data is ulong[] u64)
        {
            var r = new long[u64.Length];
            for (int i = 0; i < r.Length; i++) r[i] = unchecked((long)u64[i]);
            return r;
        }
        var d = ToDoubleArray();
        var res = new long[d.Length];
        for (int i = 0; i < d.Length; i++) res[i] = (long)d[i];
        return res;
    }

    /// <summary>The single element of a scalar or one-element tensor, as double.</summary>
    public double ScalarAsDouble()
    {
        if (Length != 1) throw new EngineException($"expected a single value, got a tensor of shape {ShapeString(Shape)}");
        return ToDoubleArray()[0];
    }

    /// <summary>Raw little-endian bytes of a numeric/bool tensor (ONNX raw_data layout).</summary>
    public byte[] ToRawBytes()
    {
        if (Type == DataType.String) throw new EngineException("string tensors have no raw bytes");
        return Data switch
        {
            float[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            double[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            Half[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            sbyte[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            byte[] a => (byte[])a.Clone(),
            short[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            ushort[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            int[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            uint[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            long[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            ulong[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            bool[] a => MemoryMarshal.AsBytes(a.AsSpan()).ToArray(),
            _ => throw new EngineException($"cannot serialize a {Type} tensor"),
        };
    }

    /// <summary>Builds a tensor from little-endian raw bytes.</summary>
    public static Tensor FromRawBytes(DataType type, int[] shape, ReadOnlySpan<byte> raw)
    {
        long n = ElementCount(shape);
        int size = DataTypes.Size(type);
        if (size == 0 || !DataTypes.IsSupported(type)) throw new EngineException($"element type {type} cannot come from raw bytes");
        if (raw.Length != n * size)
            throw new EngineException($"raw_data holds {raw.Length} bytes but shape {ShapeString(shape)} of {type} needs {n * size}");
        var t = Zeros(type, shape);
        var dst = t.Data switch
        {
            float[] a => MemoryMarshal.AsBytes(a.AsSpan()),
            double[] a => MemoryMarshal.AsBytes(a.AsSpan()),
            Half[] a => MemoryMarshal.AsBytes(a.AsSpan()),
            sbyte[] a => MemoryMarshal.AsBytes(a.AsSpan()),
            byte[] a => a.AsSpan(),
            short[] a => MemoryMarshal.AsBytes(a.AsSpan()),
            ushort[] a => MemoryMarshal.AsBytes(a.AsSpan()),
            int[] a => MemoryMarshal.AsBytes(a.AsSpan()),
            uint[] a => MemoryMarshal.AsBytes(a.AsSpan()),
            long[] a => MemoryMarshal.AsBytes(a.AsSpan()),
            ulong[] a => MemoryMarshal.AsBytes(a.AsSpan()),
            bool[] a => MemoryMarshal.AsBytes(a.AsSpan()),
            _ => throw new EngineException($"cannot deserialize a {type} tensor"),
        };
        raw.CopyTo(dst);
        if (t.Data is bool[] b)
        {
            // Any non-zero byte is true; normalise so bool arrays hold canonical values.
            var bytes = MemoryMarshal.AsBytes(b.AsSpan());
            for (int i = 0; i < bytes.Length; i++) bytes[i] = bytes[i] != 0 ? (byte)1 : (byte)0;
        }
        return t;
    }
}
