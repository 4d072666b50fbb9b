namespace Engine.Runtime.Kernels;

/// <summary>
/// LabelEncoder-4: maps each element through parallel key/value lists (keys_* or keys_tensor,
/// values_* or values_tensor); unmatched elements get the default of the value type. Float keys
/// match by value with every NaN matching NaN; a repeated key maps to its last value.
/// </summary>
public static class LabelEncoderKernels
{
    public static Tensor?[] LabelEncoder(KernelContext ctx, Tensor?[] inputs)
    {
        var x = inputs[0] ?? throw ctx.Fail("input 'X' is required");
        var a = ctx.Attributes;
        var keys = Keys(ctx, a);
        var values = Values(ctx, a);
        if (keys.Length != values.Length) throw ctx.Fail($"{keys.Length} keys but {values.Length} values");
        var def = Default(ctx, a, values);

        var map = new Dictionary<object, int>();
        for (int i = 0; i < keys.Length; i++) map[KeyOf(keys.Type, keys.Data.GetValue(i)!)] = i;

        if (!KeyTypeMatches(keys.Type, x.Type)) throw ctx.Fail($"X is {x.Type} but the keys are {keys.Type}");
        var y = Tensor.Zeros(values.Type, (int[])x.Shape.Clone());
        for (int i = 0; i < x.Length; i++)
        {
            var k = KeyOf(x.Type, x.Data.GetValue(i)!);
            if (map.TryGetValue(k, out int j)) Array.Copy(values.Data, j, y.Data, i, 1);
            else Array.Copy(def.Data, 0, y.Data, i, 1);
        }
        return [y];
    }

    /// <summary>Integer keys compare as int64 and floats as double, so int16/int32 and float keys work alike.</summary>
    private static object KeyOf(DataType type, object v) => type switch
    {
        DataType.String => (string)v,
        DataType.Float => Canon((float)v),
        DataType.Double => Canon((double)v),
        DataType.Int64 => (long)v,
        DataType.Int32 => (long)(int)v,
        DataType.Int16 => (long)(short)v,
        _ => throw new EngineException($"LabelEncoder keys of type {type} are not supported"),
    };

    private static double Canon(double v) => double.IsNaN(v) ? double.NaN : v == 0 ? 0.0 : v;

    private static bool KeyTypeMatches(DataType keys, DataType x) =>
        keys == x || (keys == DataType.Float && x == DataType.Double) || (keys == DataType.Int64 && x is DataType.Int32 or DataType.Int16);

    private static Tensor Keys(KernelContext ctx, AttributeMap a)
    {
        var found = new List<Tensor>();
        if (a.GetTensorOrNull("keys_tensor") is { } t) found.Add(t);
        if (a.GetStringsOrNull("keys_strings") is { } s) found.Add(Tensor.FromArray(s, s.Length));
        if (a.GetIntsOrNull("keys_int64s") is { } l) found.Add(Tensor.FromArray(l, l.Length));
        if (a.GetFloatsOrNull("keys_floats") is { } f) found.Add(Tensor.FromArray(f, f.Length));
        if (found.Count != 1) throw ctx.Fail("exactly one of keys_strings, keys_int64s, keys_floats and keys_tensor is required");
        return found[0];
    }

    private static Tensor Values(KernelContext ctx, AttributeMap a)
    {
        var found = new List<Tensor>();
        if (a.GetTensorOrNull("values_tensor") is { } t) found.Add(t);
        if (a.GetStringsOrNull("values_strings") is { } s) found.Add(Tensor.FromArray(s, s.Length));
        if (a.GetIntsOrNull("values_int64s") is { } l) found.Add(Tensor.FromArray(l, l.Length));
        if (a.GetFloatsOrNull("values_floats") is { } f) found.Add(Tensor.FromArray(f, f.Length));
        if (found.Count != 1) throw ctx.Fail("exactly one of values_strings, values_int64s, values_floats and values_tensor is required");
        return found[0];
    }

    /// <summary>One element of the values' type: default_tensor, else default_{string,int64,float} by type.</summary>
    private static Tensor Default(KernelContext ctx, AttributeMap a, Tensor values)
    {
        if (a.GetTensorOrNull("default_tensor") is { } d)
        {
            if (d.Type != values.Type) throw ctx.Fail($"default_tensor is {d.Type} but the values are {values.Type}");
            if (d.Length != 1) throw ctx.Fail("default_tensor must hold one value");
            return d;
        }
        return values.Type switch
        {
            DataType.String => Tensor.FromArray(new[] { a.GetString("default_string") }, 1),
            DataType.Int64 => Tensor.FromArray(new[] { a.GetInt("default_int64") }, 1),
            DataType.Int32 => Tensor.FromArray(new[] { (int)a.GetInt("default_int64") }, 1),
            DataType.Int16 => Tensor.FromArray(new[] { (short)a.GetInt("default_int64") }, 1),
            DataType.Float => Tensor.FromArray(new[] { a.GetFloat("default_float") }, 1),
            DataType.Double => Tensor.FromArray(new[] { (double)a.GetFloat("default_float") }, 1),
            _ => throw ctx.Fail($"values of type {values.Type} are not supported"),
        };
    }
}
