namespace Engine.Runtime.Compute;

/// <summary>
/// A 2-D convolution in NCHW: X [N, C, H, W] * W [M, C/Groups, KH, KW] → Y [N, M, OH, OW], with ONNX
/// semantics for strides, explicit pads (top/left/bottom/right), dilations and groups.
/// </summary>
public readonly record struct Conv2DShape(
    int N, int C, int H, int W, int M, int KH, int KW,
    int StrideH = 1, int StrideW = 1,
    int PadTop = 0, int PadLeft = 0, int PadBottom = 0, int PadRight = 0,
    int DilationH = 1, int DilationW = 1, int Groups = 1)
{
    public int OH => (H + PadTop + PadBottom - DilationH * (KH - 1) - 1) / StrideH + 1;

    public int OW => (W + PadLeft + PadRight - DilationW * (KW - 1) - 1) / StrideW + 1;

    /// <summary>Input channels per group.</summary>
    public int Cg => C / Groups;

    /// <summary>Output channels per group.</summary>
    public int Mg => M / Groups;

    /// <summary>The GEMM depth of one group: Cg·KH·KW.</summary>
    public int K => Cg * KH * KW;

    /// <summary>One filter per channel (channel multiplier 1): runs on the direct depthwise kernel.</summary>
    public bool IsDepthwise => Groups > 1 && Groups == C && Groups == M;

    /// <summary>A 1×1, stride-1, unpadded conv: a plain GEMM over the input's channel rows.</summary>
    public bool IsPointwise => KH == 1 && KW == 1 && StrideH == 1 && StrideW == 1 && PadTop == 0 && PadLeft == 0 && PadBottom == 0 && PadRight == 0;

    public int InputLength => checked(N * C * H * W);

    public int OutputLength => checked(N * M * OH * OW);

    /// <summary>W's element count, [M, C/Groups, KH, KW].</summary>
    public int WeightLength => checked(M * Cg * KH * KW);

    internal void Validate()
    {
        if (N < 0 || C < 1 || H < 1 || W < 1 || M < 1 || KH < 1 || KW < 1)
            throw new EngineException($"conv2d: invalid sizes {this}");
        if (StrideH < 1 || StrideW < 1 || DilationH < 1 || DilationW < 1)
            throw new EngineException($"conv2d: strides and dilations must be >= 1: {this}");
        if (PadTop < 0 || PadLeft < 0 || PadBottom < 0 || PadRight < 0) throw new EngineException($"conv2d: negative padding: {this}");
        if (Groups < 1 || C % Groups != 0 || M % Groups != 0)
            throw new EngineException($"conv2d: {C} input and {M} output channels are not divisible by {Groups} groups");
        if (OH < 1 || OW < 1) throw new EngineException($"conv2d: the kernel does not fit the padded input: {this}");
    }
}
