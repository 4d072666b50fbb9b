using System.Numerics;

namespace Engine.Runtime.Kernels;

/// <summary>A computation written once for any element array type (numbers, bool, string).</summary>
public interface IArrayFunc<TResult>
{
    TResult Invoke<T>(T[] data);
}

/// <summary>A computation that needs arithmetic and ordering (all numeric types; bf16 goes through float).</summary>
public interface INumericFunc<TResult>
{
    TResult Invoke<T>(T[] data) where T : unmanaged, INumber<T>;
}

/// <summary>
/// Turns a tensor's untyped storage into a typed call, so data-movement kernels are written once as
/// generics and run on every element type with typed (vectorizable) copies.
/// </summary>
public static class ElementDispatch
{
    // Dispatch compares exact array types: the CLR lets a byte[] pass as sbyte[] (and uint[] as int[],
    // ulong[] as long[]), so "data is sbyte[]" patterns would pick the wrong element type.
    public static TResult Run<TResult, TFunc>(Array data, TFunc f) where TFunc : IArrayFunc<TResult>
    {
        var t = data.GetType();
        if (t == typeof(float[])) return f.Invoke((float[])data);
        if (t == typeof(double[])) return f.Invoke((double[])data);
        if (t == typeof(Half[])) return f.Invoke((Half[])data);
        if (t == typeof(sbyte[])) return f.Invoke((sbyte[])data);
        if (t == typeof(byte[])) return f.Invoke((byte[])data);
        if (t == typeof(short[])) return f.Invoke((short[])data);
        if (t == typeof(ushort[])) return f.Invoke((ushort[])data);
        if (t == typeof(int[])) return f.Invoke((int[])data);
        if (t == typeof(uint[])) return f.Invoke((uint[])data);
        if (t == typeof(long[])) return f.Invoke((long[])data);
        if (t == typeof(ulong[])) return f.Invoke((ulong[])data);
        if (t == typeof(bool[])) return f.Invoke((bool[])data);
        if (t == typeof(string[])) return f.Invoke((string[])data);
        throw new EngineException($"element array {t.Name} is not supported");
    }

    /// <summary>
    /// Numeric dispatch on a tensor. bf16 (raw ushort bits) is not ordered or added as bits, so it is
    /// widened to float for the call; <see cref="NumericArrayFromFloat"/> narrows results back.
    /// </summary>
    public static TResult RunNumeric<TResult, TFunc>(Tensor t, TFunc f, string node) where TFunc : INumericFunc<TResult>
    {
        if (t.Type == DataType.BFloat16)
        {
            var bits = t.As<ushort>();
            var w = new float[bits.Length];
            for (int i = 0; i < w.Length; i++) w[i] = BFloat16Bits.ToFloat(bits[i]);
            return f.Invoke(w);
        }
        return t.Type switch
        {
            DataType.Float => f.Invoke((float[])t.Data),
            DataType.Double => f.Invoke((double[])t.Data),
            DataType.Float16 => f.Invoke((Half[])t.Data),
            DataType.Int8 => f.Invoke((sbyte[])t.Data),
            DataType.UInt8 => f.Invoke((byte[])t.Data),
            DataType.Int16 => f.Invoke((short[])t.Data),
            DataType.UInt16 => f.Invoke((ushort[])t.Data),
            DataType.Int32 => f.Invoke((int[])t.Data),
            DataType.UInt32 => f.Invoke((uint[])t.Data),
            DataType.Int64 => f.Invoke((long[])t.Data),
            DataType.UInt64 => f.Invoke((ulong[])t.Data),
            _ => throw new EngineException($"node '{node}': element type {DataTypes.ShortName(t.Type)} is not numeric"),
        };
    }

    /// <summary>Wraps the typed result of a numeric computation as a tensor of <paramref name="type"/> (bf16 narrowed from float).</summary>
    public static Tensor Wrap(DataType type, int[] shape, Array data)
    {
        if (type == DataType.BFloat16 && data is float[] f)
        {
            var bits = new ushort[f.Length];
            for (int i = 0; i < f.Length; i++) bits[i] = BFloat16Bits.FromFloat(f[i]);
            return new Tensor(type, shape, bits);
        }
        return new Tensor(type, shape, data);
    }

    /// <summary>A new zeroed element array (strings start empty, never null).</summary>
    public static T[] NewLike<T>(int length)
    {
        var a = new T[length];
        if (typeof(T) == typeof(string)) ((string[])(object)a).AsSpan().Fill(string.Empty);
        return a;
    }

    /// <summary>A new element array for <paramref name="type"/> of the given length.</summary>
    public static Array NewArray(DataType type, int length) => Tensor.Zeros(type, length).Data;
}

/// <summary>Typed views of a second tensor inside a dispatched call.</summary>
public static class TypedData
{
    /// <summary>
    /// <paramref name="t"/>'s elements as T[]: the storage itself when it already is T[], or bf16 widened
    /// to float (matching <see cref="ElementDispatch.RunNumeric"/>). Other mismatches fail.
    /// </summary>
    public static T[] As<T>(Tensor t, string node)
    {
        if (t.Data.GetType() == typeof(T[]) && !(typeof(T) == typeof(float) && t.Type == DataType.BFloat16)) return (T[])t.Data;
        if (typeof(T) == typeof(float) && t.Type == DataType.BFloat16)
        {
            var bits = t.As<ushort>();
            var w = new float[bits.Length];
            for (int i = 0; i < w.Length; i++) w[i] = BFloat16Bits.ToFloat(bits[i]);
            return (T[])(object)w;
        }
        throw new EngineException($"node '{node}': expected {typeof(T).Name} elements but got {DataTypes.ShortName(t.Type)}");
    }
}
