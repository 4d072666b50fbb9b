namespace Engine.Runtime.Kernels;

/// <summary>
/// Shared plumbing of the ai.onnx.ml kernels: these ops take a batch as [N,C] (or one row as [C]),
/// compute in double and write float (or the input's float type).
/// </summary>
internal static class MlData
{
    /// <summary>Rows and columns of an [N,C] or [C] input (a 1-D input is one row).</summary>
    public static (int Rows, int Cols) RowsCols(KernelContext ctx, Tensor x)
    {
        return x.Rank switch
        {
            0 => (1, 1),
            1 => (1, x.Shape[0]),
            2 => (x.Shape[0], x.Shape[1]),
            _ => throw ctx.Fail($"input must be [N,C] or [C], got {Tensor.ShapeString(x.Shape)}"),
        };
    }

    /// <summary>Elements as double; only the numeric types the ml ops accept.</summary>
    public static double[] Numbers(KernelContext ctx, Tensor x)
    {
        if (x.Type is not (DataType.Float or DataType.Double or DataType.Float16 or DataType.Int32 or DataType.Int64))
            throw ctx.Fail($"input must be float, double, int32 or int64, got {x.Type}");
        return x.ToDoubleArray();
    }

    /// <summary>A float-type tensor (float, double or float16) from doubles.</summary>
    public static Tensor FromDoubles(DataType type, double[] values, int[] shape)
    {
        switch (type)
        {
            case DataType.Float:
                {
                    var r = new float[values.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = (float)values[i];
                    return new Tensor(type, shape, r);
                }
            case DataType.Double:
                return new Tensor(type, shape, values);
            case DataType.Float16:
                {
                    var r = new Half[values.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = (Half)values[i];
                    return new Tensor(type, shape, r);
                }
            default:
                throw new EngineException($"cannot write {type} from doubles");
        }
    }

    /// <summary>Doubles of a float attribute list, or of its double-typed "_as_tensor" twin (which wins when set).</summary>
    public static double[]? FloatsOrTensor(AttributeMap a, string name)
    {
        if (a.GetTensorOrNull(name + "_as_tensor") is { } t) return t.ToDoubleArray();
        return a.GetFloatsOrNull(name) is { } f ? f.Select(v => (double)v).ToArray() : null;
    }

    public static void CheckOutputSize(KernelContext ctx, long rows, long cols)
    {
        if (rows * cols > Tensor.MaxElements) throw ctx.Fail($"output of {rows}x{cols} elements is too large");
    }
}
