using Engine.Codegen.Lowering;
using Engine.Runtime;
using Engine.Runtime.Compute;

namespace Engine.Codegen.Lowerings.Linalg;

/// <summary>
/// float32 MatMul that is not "activations × one constant matrix": batched products (3-D to 5-D, numpy
/// broadcasting of the batch dims) and products with a dynamic B (attention's Q·Kᵀ and P·V when they are not
/// fused), as one <see cref="BatchedMatMul"/> call. A constant B is packed at compile time (each distinct
/// batch matrix once); a dynamic B is packed per call into scratch. <see cref="MatMulLowering"/> hands these
/// cases over (it owns MatMul/Gemm with a constant 2-D B).
/// </summary>
public sealed class BatchedMatMulLowering : ICpuLowering
{
    public static BatchedMatMulLowering Instance { get; } = new();

    public string? TryEmit(LoweringContext ctx)
    {
        if (ctx.Node.OpType != "MatMul") return "not a MatMul";
        if (ctx.Epilogue is not null) return "batched MatMul takes no fused epilogue";
        if (ctx.InType(0) != DataType.Float || ctx.InType(1) != DataType.Float || ctx.OutType(0) != DataType.Float)
            return "only float32 is lowered";
        var aShape = ctx.InShape(0);
        var bShape = ctx.InShape(1);
        if (BatchedMatMulShape.FromShapes(aShape, bShape) is not { } s)
            return "operands of rank < 2 or more than three batch dims";
        if (s.OutputLength != ctx.OutLength(0)) return "output shape does not match the product";
        string I(long v) => LoweringContext.IntLiteral(v);
        string shape = $"new BatchedMatMulShape({I(s.M)}, {I(s.N)}, {I(s.K)}, {I(s.D0)}, {I(s.D1)}, {I(s.D2)}, {I(s.A0)}, {I(s.A1)}, {I(s.A2)}, "
            + $"{I(s.B0)}, {I(s.B1)}, {I(s.B2)}, {I(s.ACount)}, {I(s.BCount)})";
        int threads = Math.Max(1, ctx.Options.Threads);
        string isa = ComputeIsaChoice.Expression(ctx.Vector);
        var b = ctx.Constant(1);
        string shapeVar = ctx.Fresh("bmm");
        ctx.Comment($"MatMul {string.Join("x", aShape)} * {string.Join("x", bShape)}: {s.Batch} products of {s.M}x{s.K} * {s.K}x{s.N}"
            + (b is null ? ", B packed per call" : ", B packed at compile time"));
        ctx.Line("{");
        ctx.Line($"var {shapeVar} = {shape};");
        if (b is not null)
        {
            var packed = BatchedMatMul.PackB(b.As<float>(), s);
            string pb = ctx.Weights(Tensor.FromArray(packed, packed.Length));
            string scratch = ctx.Scratch(Math.Max(1L, BatchedMatMul.ScratchLength(s, threads)) * sizeof(float));
            ctx.Line($"BatchedMatMul.Run({shapeVar}, {ctx.In(0)}, {pb}, {ctx.Out(0)}, (float*){scratch}, {ctx.Threads}, {isa});");
        }
        else
        {
            string scratch = ctx.Scratch(Math.Max(1L, BatchedMatMul.DynamicScratchLength(s, threads)) * sizeof(float));
            ctx.Line($"BatchedMatMul.RunDynamic({shapeVar}, {ctx.In(0)}, {ctx.In(1)}, {ctx.Out(0)}, (float*){scratch}, {ctx.Threads}, {isa});");
        }
        ctx.Line("}");
        return null;
    }
}
