namespace Engine.Runtime.Kernels;

/// <summary>
/// The sequence kernels compute in float32 whatever the floating element type (the GEMM contract is
/// float); these convert at the boundary. Float tensors are read without copying (never mutated).
/// </summary>
internal static class FloatData
{
    public static bool Supports(DataType t) => DataTypes.IsFloat(t);

    public static float[] Read(Tensor t)
    {
        switch (t.Data)
        {
            case float[] f: return f;
            case double[] d:
                {
                    var r = new float[d.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = (float)d[i];
                    return r;
                }
            case Half[] h:
                {
                    var r = new float[h.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = (float)h[i];
                    return r;
                }
            case ushort[] b when t.Type == DataType.BFloat16:
                {
                    var r = new float[b.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = BFloat16Bits.ToFloat(b[i]);
                    return r;
                }
            default:
                throw new EngineException($"expected a floating-point tensor, got {t}");
        }
    }

    /// <summary>A tensor of <paramref name="type"/> holding <paramref name="data"/> (taken over when float).</summary>
    public static Tensor Write(DataType type, float[] data, int[] shape)
    {
        switch (type)
        {
            case DataType.Float: return new Tensor(type, shape, data);
            case DataType.Double:
                {
                    var r = new double[data.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = data[i];
                    return new Tensor(type, shape, r);
                }
            case DataType.Float16:
                {
                    var r = new Half[data.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = (Half)data[i];
                    return new Tensor(type, shape, r);
                }
            case DataType.BFloat16:
                {
                    var r = new ushort[data.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = BFloat16Bits.FromFloat(data[i]);
                    return new Tensor(type, shape, r);
                }
            default:
                throw new EngineException($"cannot write a {type} tensor from float data");
        }
    }
}
