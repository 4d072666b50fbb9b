namespace Engine.Graph;

/// <summary>
/// How an op may fuse with its neighbours (TVM's OpPatternKind). Fusion passes read this from the
/// registry instead of keeping lists of op names.
/// </summary>
public enum FusionKind
{
    /// <summary>Output element i depends only on input element i (Relu, Add of same shapes).</summary>
    ElemWise = 0,

    /// <summary>Elementwise with broadcasting of inputs.</summary>
    Broadcast = 1,

    /// <summary>Pure index remapping (Transpose, Reshape, Slice, Concat, Gather).</summary>
    Injective = 2,

    /// <summary>Commutative reduction (ReduceSum, ReduceMax, …): may absorb elementwise prologues.</summary>
    CommReduce = 3,

    /// <summary>Compute-heavy op that can take an elementwise epilogue (Conv, Gemm, MatMul).</summary>
    OutEWiseFusable = 4,

    /// <summary>Never fused (control flow, data-dependent shapes, randomness).</summary>
    Opaque = 8,
}
