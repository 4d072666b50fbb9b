namespace Engine.Runtime.Compute;

/// <summary>
/// A 2-D transposed convolution in NCHW: X [N, C, H, W] with W [C, M/Groups, KH, KW] → Y [N, M, OH, OW].
/// Input position (ih, iw) and tap (ky, kx) add into output (ih·StrideH − PadTop + ky·DilationH,
/// iw·StrideW − PadLeft + kx·DilationW) when that lies inside OH×OW. The output size is given rather than
/// derived, so output_padding, output_shape and auto_pad (whose pads may be negative) all reduce to this form;
/// <see cref="NaturalOutput"/> computes it from explicit pads. A 1-D ConvTranspose is H = KH = 1.
/// </summary>
public readonly record struct ConvTranspose2DShape(
    int N, int C, int H, int W, int M, int KH, int KW, int OH, int OW,
    int StrideH = 1, int StrideW = 1, int PadTop = 0, int PadLeft = 0,
    int DilationH = 1, int DilationW = 1, int Groups = 1)
{
    /// <summary>stride·(in − 1) + output_padding + (kernel − 1)·dilation + 1 − pad_begin − pad_end.</summary>
    public static int NaturalOutput(int input, int kernel, int stride, int dilation, int padBegin, int padEnd, int outputPadding)
        => checked(stride * (input - 1) + outputPadding + (kernel - 1) * dilation + 1 - padBegin - padEnd);

    public int Cg => C / Groups;

    public int Mg => M / Groups;

    public int Taps => KH * KW;

    /// <summary>Rows of one group's column matrix Wgᵀ: (output channel, tap).</summary>
    public int Rows => checked(Mg * Taps);

    public int InputLength => checked(N * C * H * W);

    public int OutputLength => checked(N * M * OH * OW);

    /// <summary>W's element count, [C, M/Groups, KH, KW].</summary>
    public int WeightLength => checked(C * Mg * KH * KW);

    internal void Validate()
    {
        if (N < 0 || C < 1 || H < 0 || W < 0 || M < 1 || KH < 1 || KW < 1 || OH < 0 || OW < 0)
            throw new EngineException($"conv_transpose: invalid sizes {this}");
        if (StrideH < 1 || StrideW < 1 || DilationH < 1 || DilationW < 1)
            throw new EngineException($"conv_transpose: strides and dilations must be >= 1: {this}");
        if (Groups < 1 || C % Groups != 0 || M % Groups != 0)
            throw new EngineException($"conv_transpose: {C} input and {M} output channels are not divisible by {Groups} groups");
    }
}
