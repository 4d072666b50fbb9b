using Engine.Codegen.Lowering;
using Engine.Runtime;
using Engine.Runtime.Compute;
using Engine.Runtime.Kernels;

namespace Engine.Codegen.Lowerings.ConvTranspose;

/// <summary>
/// float32 ConvTranspose, 1-D and 2-D (NCW/NCHW), with a constant W, as one <see cref="ConvTranspose2D"/> call:
/// W is packed at compile time into the kernel's panels; pads, output_padding, output_shape and auto_pad are
/// resolved at compile time (by the reference kernel's own geometry) into the output size and begin pads.
/// A fused tail of a per-channel bias and an activation is applied by the primitive.
/// </summary>
public sealed class ConvTransposeLowering : IEpilogueLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        if (ctx.InType(0) != DataType.Float || ctx.InType(1) != DataType.Float || ctx.OutType(0) != DataType.Float)
            return "only float32 is lowered";
        // A run-time W (training: Conv's data gradient reads the step's kernel input) is packed per call into scratch.
        var w = ctx.Constant(1);
        var x = ctx.InShape(0);
        var ws = ctx.InShape(1);
        if (x.Length is not (3 or 4) || ws.Length != x.Length) return "only 1-D and 2-D ConvTranspose are lowered";
        var a = ctx.Attributes;
        long group = a.GetInt("group");
        if (group < 1 || x[1] % group != 0 || ws[0] != x[1]) return "W does not match X and group";
        string? problem = null;
        ConvTransposeKernels.Geometry g;
        try
        {
            g = ConvTransposeKernels.Resolve(x[2..], ws[2..], a, m => new EngineException(problem = m));
        }
        catch (EngineException)
        {
            return $"invalid geometry: {problem}";
        }
        bool oneD = x.Length == 3;
        int Sp(int[] v, int i, int fallback) => oneD ? (i == 0 ? fallback : v[0]) : v[i];
        int m = ws[1] * (int)group;
        var s = new ConvTranspose2DShape(x[0], x[1], oneD ? 1 : x[2], x[^1], m, oneD ? 1 : ws[2], ws[^1],
            Sp(g.Output, 0, 1), Sp(g.Output, 1, 1), Sp(g.Strides, 0, 1), Sp(g.Strides, 1, 1), Sp(g.PadBegin, 0, 0), Sp(g.PadBegin, 1, 0),
            Sp(g.Dilations, 0, 1), Sp(g.Dilations, 1, 1), (int)group);
        if (s.OutputLength != ctx.OutLength(0)) return "output shape does not match the resolved geometry";

        // Bias: B (constant or not) plus a fused per-channel tail bias; activation from the tail.
        float[]? bias = null;
        string? biasPtr = null;
        bool hasB = ctx.InputCount > 2 && ctx.HasInput(2);
        if (hasB)
        {
            if (ctx.InType(2) != DataType.Float) return "B is not float32";
            if (ctx.Constant(2) is { } bc) bias = (float[])bc.As<float>().Clone();
            else biasPtr = ctx.In(2);
        }
        var act = default(Activation);
        if (ctx.Epilogue is { } epi)
        {
            if (epi.Residual is not null) return "a residual tail is not fused into ConvTranspose";
            act = epi.Activation;
            if (epi.Bias != BiasKind.None)
            {
                if (epi.Bias != BiasKind.PerRow || (epi.BiasLength != m && epi.BiasLength != 1)) return "tail bias is not per output channel";
                if (epi.BiasConstant is { } eb && biasPtr is null)
                {
                    bias ??= new float[m];
                    var ev = eb.As<float>();
                    for (int j = 0; j < m; j++) bias[j] += ev[ev.Length == 1 ? 0 : j];
                }
                else if (!hasB && epi.BiasLength == m) biasPtr = epi.BiasPointer;
                else return "B and a runtime tail bias";
            }
        }
        if (bias is not null) biasPtr = ctx.Weights(Tensor.FromArray(bias, bias.Length));

        string pw;
        long packedLength = ConvTranspose2D.PackedWeightsLength(s);
        if (w is null)
        {
            pw = "(float*)" + ctx.Scratch(packedLength * sizeof(float));
        }
        else
        {
            var packed = ConvTranspose2D.PackWeights(w.As<float>(), s);
            pw = ctx.Weights(Tensor.FromArray(packed, packed.Length));
        }
        int threads = Math.Max(1, ctx.Options.Threads);
        string scratch = ctx.Scratch(Math.Max(1L, ConvTranspose2D.ScratchLength(s, threads)) * sizeof(float));
        string I(long v) => LoweringContext.IntLiteral(v);
        string F(float f) => LoweringContext.FloatLiteral(f);
        string sv = ctx.Fresh("convT");
        ctx.Comment($"ConvTranspose {s.C}->{s.M} ch, {s.KH}x{s.KW} kernel, {s.H}x{s.W} -> {s.OH}x{s.OW}: ConvTranspose2D, " + (w is null ? "run-time W packed per call" : "W packed at compile time")
            + (ctx.Epilogue is null ? "" : $", epilogue {ctx.Epilogue}"));
        ctx.Line("{");
        ctx.Line($"var {sv} = new ConvTranspose2DShape({I(s.N)}, {I(s.C)}, {I(s.H)}, {I(s.W)}, {I(s.M)}, {I(s.KH)}, {I(s.KW)}, {I(s.OH)}, {I(s.OW)}, "
            + $"{I(s.StrideH)}, {I(s.StrideW)}, {I(s.PadTop)}, {I(s.PadLeft)}, {I(s.DilationH)}, {I(s.DilationW)}, {I(s.Groups)});");
        if (w is null) ctx.Line($"ConvTranspose2D.PackWeights(new ReadOnlySpan<float>({ctx.In(1)}, {I(ctx.InLength(1))}), {sv}, new Span<float>({pw}, {I(packedLength)}));");
        ctx.Line($"ConvTranspose2D.Run({sv}, {ctx.In(0)}, {pw}, {biasPtr ?? "null"}, {ctx.Out(0)}, (float*){scratch}, {ctx.Threads}, "
            + $"{ComputeIsaChoice.Expression(ctx.Vector)}, new Activation(ActivationKind.{Enum.GetName(act.Kind)}, {F(act.Alpha)}, {F(act.Beta)}));");
        ctx.Line("}");
        return null;
    }
}

/// <summary>Registers the ConvTranspose lowering.</summary>
public sealed class ConvTransposeLowerings : ICpuLoweringLibrary
{
    public void Register(CpuLoweringRegistry r) => r.Add("ConvTranspose", new ConvTransposeLowering());
}
