namespace Engine.Runtime.Kernels;

/// <summary>
/// Output size and padding of a convolution (ONNX Conv rules: explicit pads or auto_pad
/// SAME_UPPER/SAME_LOWER/VALID) for the integer conv kernels and their shape inference.
/// </summary>
public sealed record IntegerConvShape(int[] Output, int[] PadsBegin, int[] Strides, int[] Dilations, int[] Kernel)
{
    /// <summary>Resolves geometry for spatial input dims <paramref name="input"/> and kernel dims.</summary>
    public static IntegerConvShape Resolve(AttributeMap a, int[] input, int[] kernel, Func<string, EngineException> fail)
    {
        int n = input.Length;
        var ks = a.GetIntsOrNull("kernel_shape");
        if (ks is not null && (ks.Length != n || ks.Where((k, i) => k != kernel[i]).Any()))
            throw fail($"kernel_shape [{string.Join(",", ks)}] does not match the weights' spatial shape [{string.Join(",", kernel)}]");
        var strides = Ints(a, "strides", n, 1, fail);
        var dil = Ints(a, "dilations", n, 1, fail);
        if (strides.Any(s => s <= 0) || dil.Any(d => d <= 0)) throw fail("strides and dilations must be positive");
        var pads = a.GetIntsOrNull("pads");
        if (pads is not null && pads.Length != 2 * n) throw fail($"pads must have {2 * n} values, got {pads.Length}");
        if (pads is not null && pads.Any(p => p < 0)) throw fail("pads must be non-negative");
        string autoPad = a.GetString("auto_pad");
        var output = new int[n];
        var begin = new int[n];
        for (int i = 0; i < n; i++)
        {
            long span = (long)(kernel[i] - 1) * dil[i] + 1;
            long o;
            switch (autoPad)
            {
                case "NOTSET":
                    {
                        long pb = pads?[i] ?? 0, pe = pads?[i + n] ?? 0;
                        begin[i] = (int)pb;
                        o = (input[i] + pb + pe - span) / strides[i] + 1;
                        if (input[i] + pb + pe - span < 0) o = 0;
                        break;
                    }
                case "VALID":
                    o = input[i] < span ? 0 : (input[i] - span) / strides[i] + 1;
                    break;
                case "SAME_UPPER":
                case "SAME_LOWER":
                    {
                        o = (input[i] + strides[i] - 1) / strides[i];
                        long total = Math.Max(0, (o - 1) * strides[i] + span - input[i]);
                        begin[i] = (int)(autoPad == "SAME_UPPER" ? total / 2 : total - total / 2);
                        break;
                    }
                default:
                    throw fail($"auto_pad '{autoPad}' is not supported");
            }
            output[i] = (int)o;
        }
        return new IntegerConvShape(output, begin, strides, dil, kernel);
    }

    private static int[] Ints(AttributeMap a, string name, int n, int fallback, Func<string, EngineException> fail)
    {
        var v = a.GetIntsOrNull(name);
        if (v is null) return Enumerable.Repeat(fallback, n).ToArray();
        if (v.Length != n) throw fail($"{name} must have {n} values, got {v.Length}");
        return v.Select(x => (int)Math.Clamp(x, int.MinValue, int.MaxValue)).ToArray();
    }
}
