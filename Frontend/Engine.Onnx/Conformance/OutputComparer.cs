using Engine.Runtime;

namespace Engine.Onnx.Conformance;

/// <summary>Compares an actual tensor with the expected one: |a−e| ≤ atol + rtol·|e| for floats, exact otherwise.</summary>
public static class OutputComparer
{
    /// <summary>Null when equal within tolerance, else a one-line description of the first difference.</summary>
    public static string? Compare(Tensor expected, Tensor actual, double rtol, double atol)
    {
        if (expected.Type != actual.Type)
            return $"type {DataTypes.ShortName(actual.Type)}, expected {DataTypes.ShortName(expected.Type)}";
        if (!expected.Shape.AsSpan().SequenceEqual(actual.Shape))
            return $"shape {Tensor.ShapeString(actual.Shape)}, expected {Tensor.ShapeString(expected.Shape)}";
        if (expected.Data is string[] es)
        {
            var a = (string[])actual.Data;
            for (int i = 0; i < es.Length; i++)
            {
                if (es[i] != a[i]) return $"element {i} is \"{a[i]}\", expected \"{es[i]}\"";
            }
            return null;
        }
        var e = expected.ToDoubleArray();
        var x = actual.ToDoubleArray();
        bool exact = !DataTypes.IsFloat(expected.Type);
        int bad = 0;
        int first = -1;
        for (int i = 0; i < e.Length; i++)
        {
            double ev = e[i], av = x[i];
            bool ok;
            if (exact) ok = ev == av || (expected.Type is DataType.Int64 or DataType.UInt64 && LongEqual(expected, actual, i));
            else if (double.IsNaN(ev)) ok = double.IsNaN(av);
            else if (double.IsInfinity(ev)) ok = ev == av;
            else ok = Math.Abs(av - ev) <= atol + rtol * Math.Abs(ev);
            if (!ok)
            {
                bad++;
                if (first < 0) first = i;
            }
        }
        return bad == 0 ? null : $"{bad} of {e.Length} elements differ; first at {first}: got {x[first]:R}, expected {e[first]:R}";
    }

    private static bool LongEqual(Tensor e, Tensor a, int i) => e.Data switch
    {
        long[] l => l[i] == ((long[])a.Data)[i],
        ulong[] u => u[i] == ((ulong[])a.Data)[i],
        _ => false,
    };
}
