using Engine.Runtime;
using Engine.Runtime.Kernels;

namespace Engine.Graph.Ops;

/// <summary>
/// Linear quantization ops. Older opsets of these ops differ only in the element types and
/// attributes they accept (each new attribute defaults to the old behaviour), so none needs a rewrite.
/// </summary>
public sealed class QuantOps : IOpLibrary
{
    public void Register(OpRegistry r)
    {
        r.Add("QuantizeLinear").Since(25).In("x", "y_scale", "y_zero_point?").Out("y")
            .Attr("axis", 1L)
            .Attr("block_size", 0L)
            .Attr("output_dtype", 0L)
            .Attr("precision", 0L)
            .Attr("saturate", 1L)
            .Infer(ctx =>
            {
                var x = ctx.Required(0);
                long outputDtype = ctx.Attributes.GetInt("output_dtype");
                var elem = ctx.Input(2)?.Elem ?? (outputDtype != 0 ? (DataType)outputDtype : DataType.UInt8);
                ctx.SetOutput(0, elem, x.Dims);
            })
            .WithKernel(QuantizeKernels.QuantizeLinear)
            .Fuses(FusionKind.Broadcast);

        r.Add("DequantizeLinear").Since(25).In("x", "x_scale", "x_zero_point?").Out("y")
            .Attr("axis", 1L)
            .Attr("block_size", 0L)
            .Attr("output_dtype", 0L)
            .Infer(ctx =>
            {
                var x = ctx.Required(0);
                long outputDtype = ctx.Attributes.GetInt("output_dtype");
                var elem = outputDtype != 0 ? (DataType)outputDtype : ctx.Required(1).Elem;
                ctx.SetOutput(0, elem, x.Dims);
            })
            .WithKernel(QuantizeKernels.DequantizeLinear)
            .Fuses(FusionKind.Broadcast);

        r.Add("DynamicQuantizeLinear").Since(11).In("x").Out("y", "y_scale", "y_zero_point")
            .Infer(ctx =>
            {
                ctx.SetOutput(0, DataType.UInt8, ctx.Required(0).Dims);
                ctx.SetOutput(1, DataType.Float, []);
                ctx.SetOutput(2, DataType.UInt8, []);
            })
            .WithKernel(QuantizeKernels.DynamicQuantizeLinear)
            .Fuses(FusionKind.Opaque);

        r.Add("MatMulInteger").Since(10).In("A", "B", "a_zero_point?", "b_zero_point?").Out("Y")
            .Infer(ctx => ctx.SetOutput(0, DataType.Int32, MatMulDims(ctx, ctx.Required(0).Dims, ctx.Required(1).Dims)))
            .WithKernel(IntegerMatMulKernels.MatMulInteger)
            .Fuses(FusionKind.OutEWiseFusable);

        r.Add("QLinearMatMul").Since(21)
            .In("a", "a_scale", "a_zero_point", "b", "b_scale", "b_zero_point", "y_scale", "y_zero_point")
            .Out("y")
            .Infer(ctx => ctx.SetOutput(0, ctx.Input(7)?.Elem ?? ctx.Required(0).Elem,
                MatMulDims(ctx, ctx.Required(0).Dims, ctx.Required(3).Dims)))
            .WithKernel(IntegerMatMulKernels.QLinearMatMul)
            .Fuses(FusionKind.OutEWiseFusable);

        ConvAttrs(r.Add("ConvInteger").Since(10).In("x", "w", "x_zero_point?", "w_zero_point?").Out("y"))
            .Infer(ctx => ctx.SetOutput(0, DataType.Int32, ConvDims(ctx, ctx.Required(0).Dims, ctx.Required(1).Dims)))
            .WithKernel(IntegerConvKernels.ConvInteger)
            .Fuses(FusionKind.OutEWiseFusable);

        ConvAttrs(r.Add("QLinearConv").Since(10)
                .In("x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point", "B?")
                .Out("y"))
            .Infer(ctx => ctx.SetOutput(0, ctx.Input(7)?.Elem ?? ctx.Required(0).Elem,
                ConvDims(ctx, ctx.Required(0).Dims, ctx.Required(3).Dims)))
            .WithKernel(IntegerConvKernels.QLinearConv)
            .Fuses(FusionKind.OutEWiseFusable);
    }

    private static OpSchema ConvAttrs(OpSchema s) => s
        .Attr("auto_pad", "NOTSET")
        .OptionalAttr("dilations", AttrType.Ints)
        .Attr("group", 1L)
        .OptionalAttr("kernel_shape", AttrType.Ints)
        .OptionalAttr("pads", AttrType.Ints)
        .OptionalAttr("strides", AttrType.Ints);

    /// <summary>numpy matmul shape rule (1-D operands promoted then squeezed, batch dims broadcast).</summary>
    public static Dim[]? MatMulDims(InferenceContext ctx, Dim[]? a, Dim[]? b)
    {
        if (a is null || b is null) return null;
        if (a.Length == 0 || b.Length == 0) throw ctx.Fail("matmul operands must have rank >= 1");
        Dim[] aa = a.Length == 1 ? [1, a[0]] : a;
        Dim[] bb = b.Length == 1 ? [b[0], 1] : b;
        var k1 = aa[^1];
        var k2 = bb[^2];
        if (k1.IsKnown && k2.IsKnown && k1.Value != k2.Value)
            throw ctx.Fail($"cannot multiply shapes {Shapes.Text(a)} and {Shapes.Text(b)}");
        var batch = Shapes.Broadcast(ctx, aa[..^2], bb[..^2])!;
        var dims = new List<Dim>(batch);
        if (a.Length > 1) dims.Add(aa[^2]);
        if (b.Length > 1) dims.Add(bb[^1]);
        return dims.ToArray();
    }

    /// <summary>[N, M, out spatial...]; spatial dims are computed when input and kernel sizes are known.</summary>
    private static Dim[]? ConvDims(InferenceContext ctx, Dim[]? x, Dim[]? w)
    {
        if (x is null) return null;
        if (x.Length < 3) throw ctx.Fail($"x must be [N, C, ...], got {Shapes.Text(x)}");
        var dims = Shapes.UnknownOfRank(x.Length);
        dims[0] = x[0];
        if (w is null) return dims;
        dims[1] = w[0];
        if (x.Skip(2).All(d => d.IsKnown) && w.Length == x.Length && w.Skip(2).All(d => d.IsKnown))
        {
            var geo = IntegerConvShape.Resolve(ctx.Attributes,
                x.Skip(2).Select(d => (int)d.Value).ToArray(), w.Skip(2).Select(d => (int)d.Value).ToArray(), m => ctx.Fail(m));
            for (int i = 0; i < geo.Output.Length; i++) dims[i + 2] = geo.Output[i];
        }
        return dims;
    }
}
