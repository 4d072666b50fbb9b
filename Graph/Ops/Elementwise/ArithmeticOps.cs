using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Broadcasting arithmetic and the variadic Sum/Mean/Max/Min.</summary>
public sealed class ArithmeticOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        Binary(r, "Add", 14, ArithmeticKernels.Add).Gradient(g =>
        {
            g.SetGrad(0, g.ReduceToShape(g.dY(0)!, g.X(0)));
            g.SetGrad(1, g.ReduceToShape(g.dY(0)!, g.X(1)));
        });
        Binary(r, "Sub", 14, ArithmeticKernels.Sub).Gradient(g =>
        {
            g.SetGrad(0, g.ReduceToShape(g.dY(0)!, g.X(0)));
            if (g.NeedsGrad(1)) g.SetGrad(1, g.ReduceToShape(g.Op("Neg", g.dY(0)), g.X(1)));
        });
        Binary(r, "Mul", 14, ArithmeticKernels.Mul).Gradient(g =>
        {
            if (g.NeedsGrad(0)) g.SetGrad(0, g.ReduceToShape(g.Op("Mul", g.dY(0), g.X(1)), g.X(0)));
            if (g.NeedsGrad(1)) g.SetGrad(1, g.ReduceToShape(g.Op("Mul", g.dY(0), g.X(0)), g.X(1)));
        });
        Binary(r, "Div", 14, ArithmeticKernels.Div).Gradient(g =>
        {
            // d(a/b)/da = 1/b; d(a/b)/db = −a/b² = −y/b.
            if (g.NeedsGrad(0)) g.SetGrad(0, g.ReduceToShape(g.Op("Div", g.dY(0), g.X(1)), g.X(0)));
            if (g.NeedsGrad(1)) g.SetGrad(1, g.ReduceToShape(g.Op("Neg", g.Op("Mul", g.dY(0), g.Op("Div", g.Y(0), g.X(1)))), g.X(1)));
        });

        r.Add("Pow").Since(15).In("X", "Y").Out("Z")
            .Infer(ElementwiseInference.Pow)
            .WithKernel(ArithmeticKernels.Pow)
            .Fuses(FusionKind.Broadcast)
            .Upgrade(7, "explicit broadcast/axis to numpy broadcasting", LegacyUpgrades.ExplicitBroadcast)
            .Gradient(PowGradient);

        r.Add("Mod").Since(13).In("A", "B").Out("C")
            .Attr("fmod", 0)
            .Infer(ElementwiseInference.SameTypeBroadcast)
            .WithKernel(ArithmeticKernels.Mod)
            .Fuses(FusionKind.Broadcast);

        Variadic(r, "Max", "max", ArithmeticKernels.Max).Gradient(SelectedGradient);
        Variadic(r, "Min", "min", ArithmeticKernels.Min).Gradient(SelectedGradient);
        Variadic(r, "Sum", "sum", ArithmeticKernels.Sum).Gradient(g =>
        {
            for (int i = 0; i < g.InputCount; i++) if (g.NeedsGrad(i)) g.SetGrad(i, g.ReduceToShape(g.dY(0)!, g.X(i)));
        });
        Variadic(r, "Mean", "mean", ArithmeticKernels.Mean).Gradient(g =>
        {
            var share = g.Op("Div", g.dY(0), g.ConstLike(g.InputCount, g.Y(0)));
            for (int i = 0; i < g.InputCount; i++) if (g.NeedsGrad(i)) g.SetGrad(i, g.ReduceToShape(share, g.X(i)));
        });
    }

    /// <summary>z = x^y: dz/dx = y·x^(y−1), dz/dy = z·ln x (the exponent may have its own element type).</summary>
    private static void PowGradient(GradientContext g)
    {
        var x = g.X(0);
        var y = g.Cast(g.X(1), x.Type.Elem);
        if (g.NeedsGrad(0))
        {
            var dx = g.Op("Mul", y, g.Op("Pow", x, g.Op("Sub", y, g.ConstLike(1, x))));
            g.SetGrad(0, g.ReduceToShape(g.Op("Mul", g.dY(0), dx), x));
        }
        if (g.NeedsGrad(1))
        {
            var dy = g.Op("Mul", g.dY(0), g.Op("Mul", g.Y(0), g.Op("Log", x)));
            g.SetGrad(1, g.ReduceToShape(g.Cast(dy, g.X(1).Type.Elem), g.X(1)));
        }
    }

    /// <summary>Max/Min: the gradient goes to the inputs equal to the result, split evenly between ties.</summary>
    private static void SelectedGradient(GradientContext g)
    {
        if (g.InputCount == 1)
        {
            g.SetGrad(0, g.dY(0)!);
            return;
        }
        var y = g.Y(0);
        var masks = new Value[g.InputCount];
        for (int i = 0; i < masks.Length; i++) masks[i] = g.Mask(g.Op("Equal", g.X(i), y), y);
        var share = g.Op("Div", g.dY(0), g.Op("Sum", masks));
        for (int i = 0; i < masks.Length; i++)
        {
            if (g.NeedsGrad(i)) g.SetGrad(i, g.ReduceToShape(g.Op("Mul", share, masks[i]), g.X(i)));
        }
    }

    private static OpSchema Binary(OpRegistry r, string name, int since, Kernel kernel) =>
        r.Add(name).Since(since).In("A", "B").Out("C")
            .Infer(ElementwiseInference.SameTypeBroadcast)
            .WithKernel(kernel)
            .Fuses(FusionKind.Broadcast)
            .Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs)
            .Upgrade(7, "explicit broadcast/axis to numpy broadcasting", LegacyUpgrades.ExplicitBroadcast);

    /// <summary>Opset 1–7 forms required equal shapes (numpy broadcasting is a superset).</summary>
    private static OpSchema Variadic(OpRegistry r, string name, string output, Kernel kernel) =>
        r.Add(name).Since(13).In("data_0+").Out(output)
            .Infer(ElementwiseInference.SameTypeBroadcast)
            .WithKernel(kernel)
            .Fuses(FusionKind.Broadcast)
            .Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs);
}
