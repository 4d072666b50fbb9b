using Engine.Graph;
using Engine.Runtime;

namespace Engine.Tests.Ops.Loss;

/// <summary>Runs one ai.engine loss op as a one-node graph (type propagation, then the reference executor).</summary>
internal static class LossRunner
{
    public static Tensor[] Run(string op, Tensor?[] inputs, int outputs, params (string, object)[] attrs)
    {
        var schema = op.Contains("::") ? OpRegistry.Default.Get(op.Split("::")[0], op.Split("::")[1]) : OpRegistry.Default.Get(OpRegistry.EngineDomain, op);
        var g = new Graph.Graph("t");
        var ins = new List<Value?>();
        var feed = new List<Tensor?>();
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is not { } t)
            {
                ins.Add(null);
                continue;
            }
            ins.Add(g.AddInput("in" + i, TensorType.Of(t)));
            feed.Add(t);
        }
        var node = NodeFactory.Create(schema, "n", ins, outputs, attrs);
        g.AddNode(node);
        foreach (var o in node.Outputs) g.Outputs.Add(o!);
        TypePropagation.Run(g);
        var result = new ReferenceExecutor(g).Run(feed.ToArray());
        for (int i = 0; i < outputs; i++)
        {
            var inferred = node.Outputs[i]!.Type;
            Assert.Equal(result[i]!.Type, inferred.Elem);
            if (inferred.Dims is not null) Assert.Equal(result[i]!.Shape, inferred.Dims.Select(d => (int)d.Value).ToArray());
        }
        return result.Select(t => t!).ToArray();
    }

    public static Tensor Run1(string op, Tensor?[] inputs, params (string, object)[] attrs) => Run(op, inputs, 1, attrs)[0];

    public static double Scalar(string op, Tensor?[] inputs, params (string, object)[] attrs) => Run1(op, inputs, attrs).ToDoubleArray()[0];

    public static Tensor Random(Random rng, double lo, double hi, params int[] shape)
    {
        var v = new double[(int)Tensor.ElementCount(shape)];
        for (int i = 0; i < v.Length; i++) v[i] = lo + (hi - lo) * rng.NextDouble();
        return Tensor.FromArray(v, shape);
    }

    public static void Close(double[] expected, double[] actual, double tol = 1e-9)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])), $"[{i}] expected {expected[i]}, got {actual[i]}");
    }

    /// <summary>
    /// Central differences of a loss kernel's (weighted) output with respect to one input, compared
    /// with a backward kernel's result: sum(dY · loss(x)) is differentiated element by element.
    /// </summary>
    public static void CheckGradient(string op, Tensor?[] inputs, int wrt, Tensor dY, double[] analytic, (string, object)[] attrs, double tol = 1e-6)
    {
        var x = (double[])inputs[wrt]!.Data;
        var w = dY.ToDoubleArray();
        double F()
        {
            var y = Run1(op, inputs, attrs).ToDoubleArray();
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += y[i] * w[i];
            return s;
        }
        const double h = 1e-6;
        for (int i = 0; i < x.Length; i++)
        {
            double keep = x[i];
            x[i] = keep + h;
            double up = F();
            x[i] = keep - h;
            double down = F();
            x[i] = keep;
            double fd = (up - down) / (2 * h);
            Assert.True(Math.Abs(fd - analytic[i]) <= tol * (1 + Math.Abs(fd)), $"{op} d/d input{wrt}[{i}]: finite difference {fd}, analytic {analytic[i]}");
        }
    }
}
