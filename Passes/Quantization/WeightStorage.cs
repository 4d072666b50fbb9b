using Engine.Graph;
using Engine.Runtime;

namespace Engine.Passes.Quantization;

/// <summary>Reduced-precision storage of float weights (computation stays fp32).</summary>
public enum WeightPrecision
{
    Float16,
    BFloat16,
}

/// <summary>
/// Stores float weight initializers as float16 or bfloat16 followed by a Cast back to float: the file halves,
/// the arithmetic stays fp32 (the cast is constant-folded when the model is optimized for execution).
/// Small initializers (shapes, scalars) stay as they are.
/// </summary>
public static class WeightStorage
{
    /// <summary>Converts every float initializer with at least <paramref name="minElements"/> values; returns how many.</summary>
    public static int Reduce(Graph.Graph graph, WeightPrecision precision, int minElements = 16)
    {
        var b = new GraphBuilder(graph, "fp16");
        int converted = 0;
        foreach (var w in graph.InitializerValues.ToArray())
        {
            var t = graph.InitializerData(w)!;
            if (t.Type != DataType.Float || t.Length < minElements || graph.Inputs.Contains(w) || graph.Outputs.Contains(w)) continue;
            var users = w.Users.ToList();
            if (users.Count == 0) continue;
            var src = t.As<float>();
            Tensor stored = precision == WeightPrecision.Float16
                ? new Tensor(DataType.Float16, (int[])t.Shape.Clone(), src.Select(v => (Half)v).ToArray())
                : new Tensor(DataType.BFloat16, (int[])t.Shape.Clone(), src.Select(ToBFloat16).ToArray());
            var storedV = graph.AddInitializer(w.Name + (precision == WeightPrecision.Float16 ? "_fp16" : "_bf16"), stored);
            var widened = b.Cast(storedV, DataType.Float);
            foreach (var user in users)
            {
                for (int i = 0; i < user.Inputs.Count; i++)
                {
                    if (user.Inputs[i] == w) user.SetInput(i, widened);
                }
            }
            graph.RemoveInitializer(w);
            converted++;
        }
        graph.TopologicalSort();
        return converted;
    }

    /// <summary>Round-to-nearest-even truncation of a float to its upper 16 bits (NaN stays NaN).</summary>
    public static ushort ToBFloat16(float v)
    {
        uint bits = BitConverter.SingleToUInt32Bits(v);
        if (float.IsNaN(v)) return (ushort)((bits >> 16) | 0x40);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }
}
