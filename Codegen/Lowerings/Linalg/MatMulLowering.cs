using Engine.Codegen.Lowering;
using Engine.Runtime;
using Engine.Runtime.Compute;

namespace Engine.Codegen.Lowerings.Linalg;

/// <summary>
/// float32 MatMul (A[…, M, K] · B[K, N]) and Gemm (alpha·op(A)·op(B) + beta·C) with a CONSTANT B, as one
/// <see cref="PackedGemm"/> call: B (times alpha) is packed at compile time into the kernel's panel layout
/// and handed over through <see cref="LoweringContext.Weights"/>; Gemm's C becomes the epilogue's bias
/// (per column, per row or scalar) or residual; a fused tail (bias/activation/residual) is merged into the
/// same epilogue. This is the reference example of the lowering interface; the perf helper owns it.
/// </summary>
public sealed class MatMulLowering : IEpilogueLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        bool gemm = ctx.Node.OpType == "Gemm";
        if (!gemm && (ctx.Constant(1) is null || ctx.InShape(1).Length != 2)) return BatchedMatMulLowering.Instance.TryEmit(ctx); // batched / dynamic B
        if (ctx.OutType(0) != DataType.Float || ctx.InType(0) != DataType.Float || ctx.InType(1) != DataType.Float)
            return "only float32 is lowered";
        var b = ctx.Constant(1);
        if (b is null && (ctx.InShape(0).Length > 2 || ctx.InShape(1).Length > 2))
            return "batched product of two run-time operands (the batched MatMul lowering's case)";
        var aShape = ctx.InShape(0);
        var bShape = ctx.InShape(1);
        if (bShape.Length != 2) return "B is not a matrix";
        bool transA = gemm && ctx.Attributes.GetInt("transA") != 0;
        bool transB = gemm && ctx.Attributes.GetInt("transB") != 0;
        float alpha = gemm ? ctx.Attributes.GetFloat("alpha") : 1f;
        float beta = gemm ? ctx.Attributes.GetFloat("beta") : 1f;
        // A run-time B (training: the weight is an input of the step) is packed per call into scratch.
        if (b is null && alpha != 1f) return "run-time B with alpha ≠ 1";
        int k = transB ? bShape[1] : bShape[0];
        int n = transB ? bShape[0] : bShape[1];
        int m;
        if (gemm)
        {
            if (aShape.Length != 2) return "Gemm A is not a matrix";
            m = transA ? aShape[1] : aShape[0];
            if ((transA ? aShape[0] : aShape[1]) != k) return "inner dimensions differ";
        }
        else
        {
            if (aShape.Length == 0) return "scalar A";
            if (aShape[^1] != k) return "inner dimensions differ";
            long rows = Tensor.ElementCount(aShape) / Math.Max(1, k);
            if (k == 0) rows = aShape.Length == 1 ? 1 : Tensor.ElementCount(aShape.AsSpan(0, aShape.Length - 1));
            if (rows > int.MaxValue) return "too many rows";
            m = (int)rows;
        }
        if ((long)m * n != ctx.OutLength(0)) return "output shape does not match M×N";

        // Gemm's C: bias (constant, broadcast per column/row/scalar) or residual (full M×N).
        var kind = BiasKind.None;
        float[]? bias = null;
        string? runtimeBias = null;
        string? residual = null;
        if (gemm && ctx.InputCount > 2 && ctx.HasInput(2) && beta != 0f)
        {
            var cShape = ctx.InShape(2);
            if (ctx.InType(2) != DataType.Float) return "C is not float32";
            var c = ctx.Constant(2);
            long cLen = Tensor.ElementCount(cShape);
            int cRows = cShape.Length == 2 ? cShape[0] : 1;
            int cCols = cShape.Length >= 1 ? cShape[^1] : 1;
            if (c is not null && cRows == 1)
            {
                kind = BiasKind.PerColumn;
                bias = new float[n];
                for (int j = 0; j < n; j++) bias[j] = beta * c.As<float>()[cCols == 1 ? 0 : j];
            }
            else if (c is not null && cCols == 1 && cRows == m)
            {
                kind = BiasKind.PerRow;
                bias = new float[m];
                for (int i = 0; i < m; i++) bias[i] = beta * c.As<float>()[i];
            }
            else if (cLen == (long)m * n && cRows == m && beta == 1f)
            {
                residual = c is null ? ctx.In(2) : ctx.Weights(c);
            }
            else if (c is null && beta == 1f && cLen == n && cRows == 1)
            {
                // A run-time bias row (training: the bias is an input of the step).
                kind = BiasKind.PerColumn;
                runtimeBias = ctx.In(2);
            }
            else
            {
                return "C is neither a constant bias nor a full residual with beta = 1";
            }
        }

        // Merge a fused tail: its bias must be per column (rank-2 outputs: either kind) and not clash.
        var epi = ctx.Epilogue;
        var act = default(Activation);
        bool residualAfter = false;
        string? biasPtr = null;
        if (epi is not null)
        {
            act = epi.Activation;
            if (epi.Residual is not null)
            {
                if (residual is not null) return "two residuals";
                residual = epi.Residual;
                residualAfter = epi.ResidualAfterActivation;
            }
            if (epi.Bias != BiasKind.None)
            {
                if (runtimeBias is not null) return "a run-time Gemm bias and an epilogue bias";
                bool perColumn = epi.Bias == BiasKind.PerColumn || ctx.OutShape(0).Length == 2;
                if (!perColumn) return "epilogue bias is per channel of a batched output";
                if (epi.BiasConstant is { } eb && (kind == BiasKind.None || kind == BiasKind.PerColumn))
                {
                    bias ??= new float[n];
                    kind = BiasKind.PerColumn;
                    for (int j = 0; j < n; j++) bias[j] += eb.As<float>()[eb.Length == 1 ? 0 : j];
                }
                else if (kind == BiasKind.None)
                {
                    kind = BiasKind.PerColumn;
                    biasPtr = epi.BiasPointer;
                }
                else
                {
                    return "Gemm bias and a runtime epilogue bias";
                }
            }
        }
        if (bias is not null) biasPtr = ctx.Weights(Tensor.FromArray(bias, bias.Length));
        biasPtr ??= runtimeBias;

        string pb;
        long packedLength;
        string? packLine = null;
        string I0(long v) => LoweringContext.IntLiteral(v);
        if (b is null)
        {
            packedLength = PackedGemm.PackedBLength(k, n);
            pb = "(float*)" + ctx.Scratch(packedLength * sizeof(float));
            packLine = ($"PackedGemm.PackB(new ReadOnlySpan<float>({ctx.In(1)}, {I0((long)k * n)}), {I0(k)}, {I0(n)}, {(transB ? "true" : "false")}, 0, new Span<float>({pb}, {I0(packedLength)}));");
        }
        else
        {
            var bData = b.As<float>();
            float[] packed;
            if (alpha == 1f)
            {
                packed = PackedGemm.PackB(bData, k, n, transB);
            }
            else
            {
                var scaled = new float[bData.Length];
                for (int i = 0; i < scaled.Length; i++) scaled[i] = alpha * bData[i];
                packed = PackedGemm.PackB(scaled, k, n, transB);
            }
            packedLength = packed.Length;
            pb = ctx.Weights(Tensor.FromArray(packed, packed.Length));
        }
        long work = (long)m * n * k;
        long scratchFloats = Enumerable.Range(1, ctx.ThreadCountFor(work)).Max(t => PackedGemm.ScratchLength(m, n, k, t));
        string scratch = ctx.Scratch(scratchFloats * sizeof(float));
        int lda = transA ? m : k;
        string spec = new EpilogueRequest { Bias = kind, Activation = act, ResidualAfterActivation = residualAfter }.SpecExpression;
        string I(long v) => LoweringContext.IntLiteral(v);

        ctx.Comment($"{ctx.Node.OpType} {m}x{k} * {k}x{n}" + (epi is null ? "" : $" + epilogue {epi}") + (b is null ? ": PackedGemm, B packed per call (run-time B)" : ": PackedGemm, B packed at compile time"));
        if (packLine is not null) ctx.Line(packLine);
        ctx.Line("PackedGemm.Run(" + string.Join(", ",
            I(m), I(n), I(k),
            $"new ReadOnlySpan<float>({ctx.In(0)}, {I(ctx.InLength(0))})", I(lda), transA ? "true" : "false",
            $"new ReadOnlySpan<float>({pb}, {I(packedLength)})",
            $"new Span<float>({ctx.Out(0)}, {I((long)m * n)})", I(n),
            spec,
            biasPtr is null ? "default" : $"new ReadOnlySpan<float>({biasPtr}, {I(kind == BiasKind.PerRow ? m : n)})",
            residual is null ? "default" : $"new ReadOnlySpan<float>({residual}, {I((long)m * n)})",
            I(n),
            $"new Span<float>({scratch}, {I(scratchFloats)})",
            ctx.ThreadsFor(work),
            Nn.ConvLowering.IsaFor(ctx.Vector)) + ");");
        return null;
    }
}

/// <summary>Registers the linear-algebra lowerings.</summary>
public sealed class LinalgLowerings : ICpuLoweringLibrary
{
    public void Register(CpuLoweringRegistry r)
    {
        var mm = new MatMulLowering();
        r.Add("MatMul", mm);
        r.Add("Gemm", mm);
    }
}
