using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>Comparisons, boolean logic and bitwise ops (all broadcasting).</summary>
public sealed class LogicOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        Compare(r, "Equal", 19, LogicKernels.Equal).Upgrade(7, Legacy, LegacyUpgrades.ExplicitBroadcast);
        Compare(r, "Less", 13, LogicKernels.Less).Upgrade(7, Legacy, LegacyUpgrades.ExplicitBroadcast);
        Compare(r, "Greater", 13, LogicKernels.Greater).Upgrade(7, Legacy, LegacyUpgrades.ExplicitBroadcast);
        Compare(r, "LessOrEqual", 16, LogicKernels.LessOrEqual);
        Compare(r, "GreaterOrEqual", 16, LogicKernels.GreaterOrEqual);
        Compare(r, "And", 7, LogicKernels.And).Upgrade(7, Legacy, LegacyUpgrades.ExplicitBroadcast);
        Compare(r, "Or", 7, LogicKernels.Or).Upgrade(7, Legacy, LegacyUpgrades.ExplicitBroadcast);
        Compare(r, "Xor", 7, LogicKernels.Xor).Upgrade(7, Legacy, LegacyUpgrades.ExplicitBroadcast);

        Bitwise(r, "BitwiseAnd", 18, LogicKernels.BitwiseAnd);
        Bitwise(r, "BitwiseOr", 18, LogicKernels.BitwiseOr);
        Bitwise(r, "BitwiseXor", 18, LogicKernels.BitwiseXor);

        r.Add("BitShift").Since(11).In("X", "Y").Out("Z")
            .RequiredAttr("direction", AttrType.String)
            .Infer(ElementwiseInference.SameTypeBroadcast)
            .WithKernel(LogicKernels.BitShift)
            .Fuses(FusionKind.Broadcast);
    }

    private const string Legacy = "explicit broadcast/axis to numpy broadcasting";

    private static OpSchema Compare(OpRegistry r, string name, int since, Kernel kernel) =>
        r.Add(name).Since(since).In("A", "B").Out("C")
            .Infer(ElementwiseInference.CompareBroadcast)
            .WithKernel(kernel)
            .Fuses(FusionKind.Broadcast);

    private static void Bitwise(OpRegistry r, string name, int since, Kernel kernel) =>
        r.Add(name).Since(since).In("A", "B").Out("C")
            .Infer(ElementwiseInference.SameTypeBroadcast)
            .WithKernel(kernel)
            .Fuses(FusionKind.Broadcast);
}
