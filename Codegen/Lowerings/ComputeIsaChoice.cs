namespace Engine.Codegen.Lowerings;

/// <summary>The Runtime.Compute ISA a lowering passes to a primitive for the emitter's vector path.</summary>
internal static class ComputeIsaChoice
{
    /// <summary>A C# expression of type ComputeIsa: Vector512 → Avx512, Vector256 → Avx2, Scalar → Scalar.</summary>
    public static string Expression(VectorPath path) => "Engine.Runtime.Compute.ComputeIsa." + path switch
    {
        VectorPath.Vector512 => "Avx512",
        VectorPath.Vector256 => "Avx2",
        VectorPath.Scalar => "Scalar",
        _ => "Auto",
    };
}
