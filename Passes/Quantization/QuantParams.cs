using Engine.Runtime;

namespace Engine.Passes.Quantization;

/// <summary>The affine int8 maths: activation scale/zero point from a range, per-channel symmetric weights, int32 biases.</summary>
public static class QuantParams
{
    /// <summary>Scale and zero point mapping [lo, hi] (widened to contain 0, so 0 is exact) onto the integer type.</summary>
    public static (float Scale, int ZeroPoint) ForActivation(float lo, float hi, ActivationType type)
    {
        lo = Math.Min(lo, 0);
        hi = Math.Max(hi, 0);
        if (type == ActivationType.Int8)
        {
            float a = Math.Max(-lo, hi);
            return (a > 0 ? a / 127f : 1f, 0);
        }
        float scale = hi > lo ? (hi - lo) / 255f : 1f;
        int zp = (int)Math.Clamp(Math.Round(-lo / scale, MidpointRounding.ToEven), 0, 255);
        return (scale, zp);
    }

    /// <summary>Symmetric int8 quantization of <paramref name="w"/> per slice along <paramref name="axis"/> (zero points 0, range ±127).</summary>
    public static (sbyte[] Q, float[] Scales) PerChannel(Tensor w, int axis)
    {
        var data = w.As<float>();
        int[] shape = w.Shape;
        int channels = shape[axis];
        long inner = 1;
        for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
        var maxAbs = new float[channels];
        for (long i = 0; i < data.Length; i++)
        {
            int c = (int)(i / inner % channels);
            maxAbs[c] = Math.Max(maxAbs[c], Math.Abs(data[i]));
        }
        var scales = maxAbs.Select(m => m > 0 ? m / 127f : 1f).ToArray();
        var q = new sbyte[data.Length];
        for (long i = 0; i < data.Length; i++)
        {
            int c = (int)(i / inner % channels);
            q[i] = (sbyte)Math.Clamp(Math.Round(data[i] / scales[c], MidpointRounding.ToEven), -127, 127);
        }
        return (q, scales);
    }

    /// <summary>Bias quantized to int32 with scale x_scale·w_scale[c] (ONNX Runtime's QDQ convention).</summary>
    public static (int[] Q, float[] Scales) Bias(Tensor bias, float xScale, float[] wScales)
    {
        var b = bias.As<float>();
        if (b.Length != wScales.Length) throw new EngineException($"bias has {b.Length} values but the weight has {wScales.Length} output channels");
        var scales = wScales.Select(s => xScale * s).ToArray();
        var q = new int[b.Length];
        for (int c = 0; c < b.Length; c++) q[c] = (int)Math.Clamp(Math.Round(b[c] / scales[c], MidpointRounding.ToEven), int.MinValue, int.MaxValue);
        return (q, scales);
    }
}
