namespace Engine.Runtime.Kernels;

/// <summary>
/// float16 and bf16 kernels compute in float: widen the inputs (exact), run the float kernel, and
/// round the result back once with round-to-nearest-even.
/// </summary>
public static class FloatWidening
{
    /// <summary>A float copy of a float16/bf16 tensor; float tensors are returned as they are.</summary>
    public static Tensor Widen(Tensor t)
    {
        switch (t.Type)
        {
            case DataType.Float:
                return t;
            case DataType.Float16:
                {
                    var src = t.As<Half>();
                    var r = new float[src.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = (float)src[i];
                    return new Tensor(DataType.Float, t.Shape, r);
                }
            case DataType.BFloat16:
                {
                    var src = t.As<ushort>();
                    var r = new float[src.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = BFloat16Bits.ToFloat(src[i]);
                    return new Tensor(DataType.Float, t.Shape, r);
                }
            default:
                throw new EngineException($"cannot widen a {DataTypes.ShortName(t.Type)} tensor to float");
        }
    }

    /// <summary>Rounds a float tensor to <paramref name="type"/> (float16, bf16 or float).</summary>
    public static Tensor Narrow(Tensor t, DataType type)
    {
        var src = t.As<float>();
        switch (type)
        {
            case DataType.Float:
                return t;
            case DataType.Float16:
                {
                    var r = new Half[src.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = (Half)src[i];
                    return new Tensor(type, t.Shape, r);
                }
            case DataType.BFloat16:
                {
                    var r = new ushort[src.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = BFloat16Bits.FromFloat(src[i]);
                    return new Tensor(type, t.Shape, r);
                }
            default:
                throw new EngineException($"cannot narrow float to {DataTypes.ShortName(type)}");
        }
    }
}
