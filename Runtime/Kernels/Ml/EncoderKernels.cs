namespace Engine.Runtime.Kernels;

/// <summary>Imputer, OneHotEncoder, CategoryMapper and FeatureVectorizer: the remaining scikit-learn preprocessing ops.</summary>
public static class EncoderKernels
{
    /// <summary>Replaces elements equal to replaced_value_* (NaN matches NaN) by the imputed value of their feature (last axis).</summary>
    public static Tensor?[] Imputer(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input 'X' is required");
        var a = ctx.Attributes;
        int f = x.Rank == 0 ? 1 : x.Shape[^1];
        var y = x.Clone();
        switch (x.Type)
        {
            case DataType.Float or DataType.Double:
                {
                    var imputed = a.GetFloatsOrNull("imputed_value_floats") ?? throw ctx.Fail("imputed_value_floats is required for float input");
                    CheckLength(ctx, imputed.Length, f);
                    double replaced = a.GetFloat("replaced_value_float");
                    bool nan = double.IsNaN(replaced);
                    if (y.Data is float[] fs)
                    {
                        for (int i = 0; i < fs.Length; i++)
                        {
                            if (nan ? float.IsNaN(fs[i]) : fs[i] == replaced) fs[i] = imputed[imputed.Length == 1 ? 0 : i % f];
                        }
                    }
                    else
                    {
                        var ds = (double[])y.Data;
                        for (int i = 0; i < ds.Length; i++)
                        {
                            if (nan ? double.IsNaN(ds[i]) : ds[i] == replaced) ds[i] = imputed[imputed.Length == 1 ? 0 : i % f];
                        }
                    }
                    break;
                }
            case DataType.Int64 or DataType.Int32:
                {
                    var imputed = a.GetIntsOrNull("imputed_value_int64s") ?? throw ctx.Fail("imputed_value_int64s is required for integer input");
                    CheckLength(ctx, imputed.Length, f);
                    long replaced = a.GetInt("replaced_value_int64");
                    if (y.Data is long[] ls)
                    {
                        for (int i = 0; i < ls.Length; i++)
                        {
                            if (ls[i] == replaced) ls[i] = imputed[imputed.Length == 1 ? 0 : i % f];
                        }
                    }
                    else
                    {
                        var ints = (int[])y.Data;
                        for (int i = 0; i < ints.Length; i++)
                        {
                            if (ints[i] == replaced) ints[i] = checked((int)imputed[imputed.Length == 1 ? 0 : i % f]);
                        }
                    }
                    break;
                }
            default:
                throw ctx.Fail($"X must be float, double, int64 or int32, got {x.Type}");
        }
        return [y];
    }

    private static void CheckLength(KernelContext ctx, int have, int features)
    {
        if (have != 1 && have != features) throw ctx.Fail($"the imputed values number {have}, expected 1 or {features}");
    }

    /// <summary>Appends an axis of len(cats) holding 1 at each element's category; unknown ones give zeros, or fail when zeros = 0.</summary>
    public static Tensor?[] OneHotEncoder(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input 'X' is required");
        var a = ctx.Attributes;
        bool zeros = a.GetInt("zeros") != 0;
        var index = new Dictionary<object, int>();
        object[] keys;
        int n;
        if (x.Type == DataType.String)
        {
            var cats = a.GetStringsOrNull("cats_strings") ?? throw ctx.Fail("string input needs cats_strings");
            for (int i = 0; i < cats.Length; i++) index.TryAdd(cats[i], i);
            keys = x.As<string>();
            n = cats.Length;
        }
        else
        {
            var cats = a.GetIntsOrNull("cats_int64s") ?? throw ctx.Fail("numeric input needs cats_int64s");
            for (int i = 0; i < cats.Length; i++) index.TryAdd(cats[i], i);
            // Non-integral (or NaN) values match no category rather than being truncated onto one.
            keys = MlData.Numbers(ctx, x).Select(v => v == Math.Floor(v) && Math.Abs(v) < 9.2e18 ? (object)(long)v : double.NaN).ToArray();
            n = cats.Length;
        }
        MlData.CheckOutputSize(ctx, x.Length, n);
        var r = new float[x.Length * n];
        for (int i = 0; i < keys.Length; i++)
        {
            if (index.TryGetValue(keys[i], out int c)) r[i * n + c] = 1;
            else if (!zeros) throw ctx.Fail($"value '{keys[i]}' is not one of the categories");
        }
        return [new Tensor(DataType.Float, [.. x.Shape, n], r)];
    }

    /// <summary>Maps strings to int64 (or int64 to strings) through the parallel cats_* lists, with the default of the output type.</summary>
    public static Tensor?[] CategoryMapper(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input 'X' is required");
        var a = ctx.Attributes;
        var ints = a.GetIntsOrNull("cats_int64s") ?? throw ctx.Fail("cats_int64s is required");
        var strs = a.GetStringsOrNull("cats_strings") ?? throw ctx.Fail("cats_strings is required");
        if (ints.Length != strs.Length) throw ctx.Fail($"cats_int64s has {ints.Length} values but cats_strings has {strs.Length}");
        var shape = (int[])x.Shape.Clone();
        if (x.Type == DataType.String)
        {
            var map = new Dictionary<string, long>(StringComparer.Ordinal);
            for (int i = 0; i < strs.Length; i++) map.TryAdd(strs[i], ints[i]);
            long def = a.GetInt("default_int64");
            return [new Tensor(DataType.Int64, shape, x.As<string>().Select(s => map.TryGetValue(s, out long v) ? v : def).ToArray())];
        }
        if (x.Type == DataType.Int64)
        {
            var map = new Dictionary<long, string>();
            for (int i = 0; i < ints.Length; i++) map.TryAdd(ints[i], strs[i]);
            string def = a.GetString("default_string");
            return [new Tensor(DataType.String, shape, x.As<long>().Select(v => map.TryGetValue(v, out var s) ? s : def).ToArray())];
        }
        throw ctx.Fail($"X must be string or int64, got {x.Type}");
    }

    /// <summary>
    /// Concatenates the inputs' features into one float [N, Σ inputdimensions] matrix; an input with fewer
    /// features than its declared dimension is zero-padded, one with more is cut (as ONNX Runtime does).
    /// </summary>
    public static Tensor?[] FeatureVectorizer(KernelContext ctx, Tensor?[] inputs)
    {
        var dims = ctx.Attributes.GetIntsOrNull("inputdimensions") ?? throw ctx.Fail("inputdimensions is required");
        if (dims.Length != inputs.Length) throw ctx.Fail($"inputdimensions has {dims.Length} values for {inputs.Length} inputs");
        if (dims.Any(d => d < 0) || dims.Sum() > Tensor.MaxElements) throw ctx.Fail("inputdimensions holds a bad value");
        int total = (int)dims.Sum();
        int rows = -1;
        var parts = new (double[] V, int Cols)[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var t = inputs[i] ?? throw ctx.Fail($"input {i} is required");
            int r = t.Rank <= 1 ? 1 : t.Shape[0];
            int c = t.Rank == 0 ? 1 : r == 0 ? 0 : t.Length / r;
            if (rows >= 0 && r != rows) throw ctx.Fail("inputs have different batch sizes");
            rows = r;
            parts[i] = (MlData.Numbers(ctx, t), c);
        }
        rows = Math.Max(rows, 0);
        MlData.CheckOutputSize(ctx, rows, total);
        var y = new float[rows * total];
        for (int n = 0; n < rows; n++)
        {
            int offset = 0;
            for (int i = 0; i < parts.Length; i++)
            {
                int copy = (int)Math.Min(dims[i], parts[i].Cols);
                for (int c = 0; c < copy; c++) y[n * total + offset + c] = (float)parts[i].V[n * parts[i].Cols + c];
                offset += (int)dims[i];
            }
        }
        return [new Tensor(DataType.Float, [rows, total], y)];
    }
}
