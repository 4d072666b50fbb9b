using System.Runtime.Intrinsics.X86;

namespace Engine.Runtime.Compute;

/// <summary>Which micro-kernels a compute primitive uses. <see cref="Auto"/> picks the widest the CPU supports;
/// the others force a path so tests can cover all three on one machine.</summary>
public enum ComputeIsa
{
    Auto,
    Scalar,
    Avx2,
    Avx512,
}

internal static class Isa
{
    public static ComputeIsa Best { get; } =
        Avx512F.IsSupported ? ComputeIsa.Avx512 : Avx2.IsSupported && Fma.IsSupported ? ComputeIsa.Avx2 : ComputeIsa.Scalar;

    public static bool IsSupported(ComputeIsa isa) => isa switch
    {
        ComputeIsa.Avx512 => Avx512F.IsSupported,
        ComputeIsa.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    public static ComputeIsa Resolve(ComputeIsa isa)
    {
        if (isa == ComputeIsa.Auto) return Best;
        if (!IsSupported(isa)) throw new EngineException($"compute: {isa} is not supported on this CPU");
        return isa;
    }
}
