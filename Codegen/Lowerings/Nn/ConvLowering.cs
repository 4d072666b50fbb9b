using System.Runtime.Intrinsics.X86;
using Engine.Codegen.Lowering;
using Engine.Runtime;
using Engine.Runtime.Compute;
using Engine.Runtime.Kernels;

namespace Engine.Codegen.Lowerings.Nn;

/// <summary>
/// float32 Conv (1-D and 2-D, NCHW) with CONSTANT weights as one <see cref="Conv2D"/> call: the weights are
/// packed at compile time into the kernel's panel layout (depthwise convs keep their plain layout), strides,
/// dilations, explicit pads, auto_pad and groups resolved here into a <see cref="Conv2DShape"/> literal.
/// The optional B input becomes the per-channel bias of the epilogue (folded with a constant bias of a fused
/// tail), and a fused activation/residual is applied in the same pass. A 1-D conv is a 2-D conv of height 1.
/// </summary>
public sealed class ConvLowering : IEpilogueLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        if (ctx.InType(0) != DataType.Float || ctx.InType(1) != DataType.Float || ctx.OutType(0) != DataType.Float)
            return "only float32 is lowered";
        // A run-time W (training: the kernel is an input of the step) is packed per call into scratch.
        var w = ctx.Constant(1);
        var xShape = ctx.InShape(0);
        var wShape = ctx.InShape(1);
        if (xShape.Length is not (3 or 4)) return $"rank-{xShape.Length} input: only 1-D and 2-D convolutions are lowered";
        if (wShape.Length != xShape.Length) return "W and X ranks differ";
        WindowGeometry g;
        try
        {
            g = WindowGeometry.Resolve(xShape[2..], wShape[2..], ctx.Attributes, false, m => new EngineException(m));
        }
        catch (EngineException e)
        {
            return e.Message;
        }
        long group = ctx.Attributes.GetInt("group");
        if (group < 1 || xShape[1] % group != 0 || wShape[0] % group != 0 || wShape[1] * group != xShape[1])
            return "channels do not match the group count";
        bool oneD = xShape.Length == 3;
        int Sp(int[] v, int i2d) => oneD ? (i2d == 0 ? 1 : v[0]) : v[i2d];
        int PadOf(int[] v, int i2d) => oneD ? (i2d == 0 ? 0 : v[0]) : v[i2d];
        var s = new Conv2DShape(
            N: xShape[0], C: xShape[1], H: oneD ? 1 : xShape[2], W: xShape[^1], M: wShape[0],
            KH: oneD ? 1 : wShape[2], KW: wShape[^1],
            StrideH: Sp(g.Strides, 0), StrideW: Sp(g.Strides, 1),
            PadTop: PadOf(g.PadBegin, 0), PadLeft: PadOf(g.PadBegin, 1), PadBottom: PadOf(g.PadEnd, 0), PadRight: PadOf(g.PadEnd, 1),
            DilationH: Sp(g.Dilations, 0), DilationW: Sp(g.Dilations, 1), Groups: (int)group);
        if ((long)s.N * s.M * s.OH * s.OW != ctx.OutLength(0)) return "output shape does not match the convolution";
        if (s.N == 0) return "empty batch";

        // Bias: Conv's own B (constant or runtime) plus a fused per-channel bias.
        float[]? bias = null;
        string? biasPtr = null;
        if (ctx.InputCount > 2 && ctx.HasInput(2))
        {
            if (ctx.InType(2) != DataType.Float || ctx.InLength(2) != s.M) return "B is not a float32 vector of M entries";
            if (ctx.Constant(2) is { } cb) bias = cb.As<float>().ToArray();
            else biasPtr = ctx.In(2);
        }
        var epi = ctx.Epilogue;
        var act = default(Activation);
        string? residual = null;
        bool residualAfter = false;
        if (epi is not null)
        {
            act = epi.Activation;
            residual = epi.Residual;
            residualAfter = epi.ResidualAfterActivation;
            if (epi.Bias != BiasKind.None)
            {
                // PerColumn means "by the last dim": a channel bias only when that dim is 1.
                bool perChannel = epi.Bias == BiasKind.PerRow || (s.OW == 1 && s.OH == 1);
                if (!perChannel || epi.BiasLength != s.M) return "epilogue bias is not per output channel";
                if (epi.BiasConstant is { } eb && biasPtr is null)
                {
                    bias ??= new float[s.M];
                    var e = eb.As<float>();
                    for (int i = 0; i < s.M; i++) bias[i] += e[e.Length == 1 ? 0 : i];
                }
                else if (bias is null && biasPtr is null) biasPtr = epi.BiasPointer;
                else return "two biases, one known only at run time";
            }
        }
        if (bias is not null) biasPtr = ctx.Weights(Tensor.FromArray(bias, bias.Length));

        string pw;
        long packedLength = Conv2D.PackedWeightsLength(s);
        string? packLine = null;
        if (w is null)
        {
            pw = "(float*)" + ctx.Scratch(packedLength * sizeof(float));
            packLine = $"Conv2D.PackWeights(new ReadOnlySpan<float>({ctx.In(1)}, {LoweringContext.IntLiteral(ctx.InLength(1))}), SHAPE, new Span<float>({pw}, {LoweringContext.IntLiteral(packedLength)}));";
        }
        else
        {
            var packed = Conv2D.PackWeights(w.As<float>(), s);
            pw = ctx.Weights(Tensor.FromArray(packed, packed.Length));
        }
        long work = (long)s.N * s.M * s.OH * s.OW * s.Cg * s.KH * s.KW;
        // Scratch per worker depends on the thread count: size it for every count the op may run with.
        long scratchFloats = Enumerable.Range(1, ctx.ThreadCountFor(work)).Max(t => (long)Conv2D.ScratchLength(s, t));
        string scratch = ctx.Scratch(Math.Max(1, scratchFloats) * sizeof(float));
        string spec = new EpilogueRequest { Bias = biasPtr is null ? BiasKind.None : BiasKind.PerRow, Activation = act, ResidualAfterActivation = residualAfter }.SpecExpression;
        string I(long v) => LoweringContext.IntLiteral(v);
        string shape = "new Conv2DShape(" + string.Join(", ", I(s.N), I(s.C), I(s.H), I(s.W), I(s.M), I(s.KH), I(s.KW), I(s.StrideH), I(s.StrideW),
            I(s.PadTop), I(s.PadLeft), I(s.PadBottom), I(s.PadRight), I(s.DilationH), I(s.DilationW), I(s.Groups)) + ")";
        string kind = s.IsDepthwise ? "depthwise" : s.KH * s.KW == 1 && s.IsPointwise ? "pointwise GEMM" : "implicit GEMM";

        ctx.Comment($"Conv {s.N}x{s.C}x{s.H}x{s.W} * {s.M}x{s.Cg}x{s.KH}x{s.KW} group {s.Groups} -> {s.OH}x{s.OW} ({kind})"
            + (epi is null ? "" : $" + epilogue {epi}") + (w is null ? ": Conv2D, run-time weights packed per call" : ": Conv2D, weights packed at compile time"));
        if (packLine is not null) ctx.Line(packLine.Replace("SHAPE", shape, StringComparison.Ordinal));
        ctx.Line("Conv2D.Run(" + string.Join(", ",
            shape,
            $"new ReadOnlySpan<float>({ctx.In(0)}, {I(s.InputLength)})",
            $"new ReadOnlySpan<float>({pw}, {I(packedLength)})",
            $"new Span<float>({ctx.Out(0)}, {I(s.OutputLength)})",
            spec,
            biasPtr is null ? "default" : $"new ReadOnlySpan<float>({biasPtr}, {I(s.M)})",
            residual is null ? "default" : $"new ReadOnlySpan<float>({residual}, {I(s.OutputLength)})",
            $"new Span<float>({scratch}, {I(scratchFloats)})",
            ctx.ThreadsFor(work),
            IsaFor(ctx.Vector)) + ");");
        return null;
    }

    /// <summary>The Compute path matching the model's vector path, so tests of every path exercise the matching kernels.</summary>
    internal static string IsaFor(VectorPath v) => v switch
    {
        VectorPath.Vector512 when Avx512F.IsSupported => "ComputeIsa.Avx512",
        VectorPath.Vector256 or VectorPath.Vector512 when Avx2.IsSupported && Fma.IsSupported => "ComputeIsa.Avx2",
        _ => "ComputeIsa.Scalar",
    };
}

/// <summary>Registers the neural-network layer lowerings.</summary>
public sealed class NnLowerings : ICpuLoweringLibrary
{
    public void Register(CpuLoweringRegistry r) => r.Add("Conv", new ConvLowering());
}
