using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Broadcasting arithmetic and the variadic Sum/Mean/Max/Min.</summary>
public sealed class ArithmeticOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        Binary(r, "Add", 14, ArithmeticKernels.Add);
        Binary(r, "Sub", 14, ArithmeticKernels.Sub);
        Binary(r, "Mul", 14, ArithmeticKernels.Mul);
        Binary(r, "Div", 14, ArithmeticKernels.Div);

        r.Add("Pow").Since(15).In("X", "Y").Out("Z")
            .Infer(ElementwiseInference.Pow)
            .WithKernel(ArithmeticKernels.Pow)
            .Fuses(FusionKind.Broadcast)
            .Upgrade(7, "explicit broadcast/axis to numpy broadcasting", LegacyUpgrades.ExplicitBroadcast);

        r.Add("Mod").Since(13).In("A", "B").Out("C")
            .Attr("fmod", 0)
            .Infer(ElementwiseInference.SameTypeBroadcast)
            .WithKernel(ArithmeticKernels.Mod)
            .Fuses(FusionKind.Broadcast);

        Variadic(r, "Max", "max", ArithmeticKernels.Max);
        Variadic(r, "Min", "min", ArithmeticKernels.Min);
        Variadic(r, "Sum", "sum", ArithmeticKernels.Sum);
        Variadic(r, "Mean", "mean", ArithmeticKernels.Mean);
    }

    private static void Binary(OpRegistry r, string name, int since, Kernel kernel) =>
        r.Add(name).Since(since).In("A", "B").Out("C")
            .Infer(ElementwiseInference.SameTypeBroadcast)
            .WithKernel(kernel)
            .Fuses(FusionKind.Broadcast)
            .Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs)
            .Upgrade(7, "explicit broadcast/axis to numpy broadcasting", LegacyUpgrades.ExplicitBroadcast);

    /// <summary>Opset 1–7 forms required equal shapes (numpy broadcasting is a superset).</summary>
    private static void Variadic(OpRegistry r, string name, string output, Kernel kernel) =>
        r.Add(name).Since(13).In("data_0+").Out(output)
            .Infer(ElementwiseInference.SameTypeBroadcast)
            .WithKernel(kernel)
            .Fuses(FusionKind.Broadcast)
            .Upgrade(6, "drop consumed_inputs", LegacyUpgrades.DropConsumedInputs);
}
