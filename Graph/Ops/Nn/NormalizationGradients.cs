using Engine.Runtime;

namespace Engine.Graph.Ops;

/// <summary>
/// Gradient rules of the normalizations and Dropout, in registered ops. Every normalization shares one
/// backward step: with x̂ = (x − μ)·σ⁻¹ over the normalized axes and g = dY·γ,
/// dx = σ⁻¹·(g − mean(g) − x̂·mean(g·x̂)), which is the exact gradient through the batch statistics.
/// The statistics are recomputed in the backward graph (CSE merges them with the forward ones when the
/// forward node is decomposed; as opaque ops they are cheap next to the convolutions around them).
/// </summary>
internal static class NormalizationGradients
{
    /// <summary>
    /// BatchNormalization. Training mode: gradient through the batch mean and biased variance; the
    /// running statistics inputs do not affect Y (zero gradient) and the running-statistics outputs are
    /// state updates, not differentiated. Inference mode: an affine map of x with the given statistics.
    /// </summary>
    public static void BatchNorm(GradientContext g)
    {
        if (g.dY(1) is not null || g.dY(2) is not null)
            throw g.Fail("the running-statistics outputs are state updates; no gradient flows through them");
        var x = g.X(0);
        int rank = RankOf(g, x);
        var axes = g.Ints([0, .. Enumerable.Range(2, rank - 2).Select(i => (long)i)]);
        var dy = g.dY(0)!;
        var eps = g.ConstLike(g.Attributes.GetFloat("epsilon"), x);
        var perChannel = g.Ints([-1, .. Enumerable.Repeat(1L, rank - 2)]);
        Value Channel(Value v) => rank == 2 ? v : g.Op("Reshape", v, perChannel);
        var gamma = Channel(g.X(1));
        bool training = g.Attributes.GetInt("training_mode") != 0;
        Value mean, invStd;
        if (training)
        {
            mean = g.Op("ReduceMean", [x, axes], ("keepdims", 1L));
            var centered0 = g.Op("Sub", x, mean);
            var variance = g.Op("ReduceMean", [g.Op("Mul", centered0, centered0), axes], ("keepdims", 1L));
            invStd = g.Op("Reciprocal", g.Op("Sqrt", g.Op("Add", variance, eps)));
        }
        else
        {
            mean = Channel(g.X(3));
            invStd = g.Op("Reciprocal", g.Op("Sqrt", g.Op("Add", Channel(g.X(4)), eps)));
        }
        var centered = g.Op("Sub", x, mean);
        var xhat = g.Op("Mul", centered, invStd);
        if (g.NeedsGrad(0))
        {
            var gy = g.Op("Mul", dy, gamma);
            g.SetGrad(0, training ? Normalized(g, gy, xhat, invStd, axes) : g.Op("Mul", gy, invStd));
        }
        if (g.NeedsGrad(1)) g.SetGrad(1, g.Op("ReduceSum", [g.Op("Mul", dy, xhat), axes], ("keepdims", 0L)));
        if (g.NeedsGrad(2)) g.SetGrad(2, g.Op("ReduceSum", [dy, axes], ("keepdims", 0L)));
        if (g.NeedsGrad(3) || g.NeedsGrad(4))
        {
            if (training)
            {
                if (g.NeedsGrad(3)) g.SetGrad(3, g.ZerosLike(g.X(3)));
                if (g.NeedsGrad(4)) g.SetGrad(4, g.ZerosLike(g.X(4)));
                return;
            }
            var gy = g.Op("Mul", dy, gamma);
            // d/d mean = −Σ γ·dY·σ⁻¹; d/d var = −½·Σ γ·dY·(x − mean)·σ⁻³.
            if (g.NeedsGrad(3)) g.SetGrad(3, g.Op("Neg", g.Op("ReduceSum", [g.Op("Mul", gy, invStd), axes], ("keepdims", 0L))));
            if (g.NeedsGrad(4))
            {
                var cube = g.Op("Mul", invStd, g.Op("Mul", invStd, invStd));
                var s = g.Op("ReduceSum", [g.Op("Mul", g.Op("Mul", gy, centered), cube), axes], ("keepdims", 0L));
                g.SetGrad(4, g.Op("Mul", s, g.ConstLike(-0.5, x)));
            }
        }
    }

    /// <summary>LayerNormalization over the axes from 'axis' on; Scale and B broadcast there.</summary>
    public static void LayerNorm(GradientContext g)
    {
        if (g.dY(1) is not null || g.dY(2) is not null)
            throw g.Fail("gradients through the Mean/InvStdDev outputs are not supported");
        var x = g.X(0);
        int rank = RankOf(g, x);
        long axis = g.Attributes.GetInt("axis");
        if (axis < 0) axis += rank;
        var axes = g.Ints(Enumerable.Range((int)axis, rank - (int)axis).Select(i => (long)i).ToArray());
        var (xhat, invStd) = Standardize(g, x, axes, g.Attributes.GetFloat("epsilon"));
        var dy = g.dY(0)!;
        if (g.NeedsGrad(0)) g.SetGrad(0, Normalized(g, g.Op("Mul", dy, g.X(1)), xhat, invStd, axes));
        if (g.NeedsGrad(1)) g.SetGrad(1, g.ReduceToShape(g.Op("Mul", dy, xhat), g.X(1)));
        if (g.HasX(2) && g.NeedsGrad(2)) g.SetGrad(2, g.ReduceToShape(dy, g.X(2)));
    }

    /// <summary>RMSNormalization: x̂ = x·r with r = (mean(x²) + ε)^−½ over the axes from 'axis'; dx = r·(g − x̂·mean(g·x̂)).</summary>
    public static void RmsNorm(GradientContext g)
    {
        var x = g.X(0);
        int rank = x.Type.HasRank ? x.Type.Rank : throw g.Fail("the input's rank must be known");
        long axis = g.Attributes.GetInt("axis");
        if (axis < 0) axis += rank;
        var axes = g.Ints(Enumerable.Range((int)axis, rank - (int)axis).Select(i => (long)i).ToArray());
        var meanSq = g.Op("ReduceMean", [g.Op("Mul", x, x), axes], ("keepdims", 1L));
        var inv = g.Op("Reciprocal", g.Op("Sqrt", g.Op("Add", meanSq, g.ConstLike(g.Attributes.GetFloat("epsilon"), x))));
        var xhat = g.Op("Mul", x, inv);
        var dy = g.dY(0)!;
        if (g.NeedsGrad(0))
        {
            var gy = g.Op("Mul", dy, g.X(1));
            var meanGx = g.Op("ReduceMean", [g.Op("Mul", gy, xhat), axes], ("keepdims", 1L));
            g.SetGrad(0, g.Op("Mul", inv, g.Op("Sub", gy, g.Op("Mul", xhat, meanGx))));
        }
        if (g.NeedsGrad(1)) g.SetGrad(1, g.ReduceToShape(g.Op("Mul", dy, xhat), g.X(1)));
    }

    /// <summary>LpNormalization (p = 1 or 2): y = x / n with n = ‖x‖_p on the axis; dx = (dY − n'(x)·Σ dY·y) / n, n' = sign(x) or y.</summary>
    public static void LpNorm(GradientContext g)
    {
        var x = g.X(0);
        var y = g.Y(0);
        long p = g.Attributes.GetInt("p");
        var axis = g.Ints(g.Attributes.GetInt("axis"));
        Value norm = p switch
        {
            1 => g.Op("ReduceL1", [x, axis], ("keepdims", 1L)),
            2 => g.Op("ReduceL2", [x, axis], ("keepdims", 1L)),
            _ => throw g.Fail($"p must be 1 or 2, got {p}"),
        };
        var dot = g.Op("ReduceSum", [g.Op("Mul", g.dY(0), y), axis], ("keepdims", 1L));
        var dn = p == 1 ? g.Op("Sign", x) : y;
        g.SetGrad(0, g.Op("Div", g.Op("Sub", g.dY(0), g.Op("Mul", dn, dot)), norm));
    }

    /// <summary>GroupNormalization-21 (per-channel scale/bias [C]): statistics over each group's channels and positions.</summary>
    public static void GroupNorm(GradientContext g) => Grouped(g, g.Attributes.GetInt("num_groups"));

    /// <summary>InstanceNormalization: group normalization with one channel per group.</summary>
    public static void InstanceNorm(GradientContext g)
    {
        var c = g.X(0).Type.Dims is { Length: >= 2 } d && d[1].IsKnown ? d[1].Value : throw g.Fail("the channel count must be known");
        Grouped(g, c);
    }

    private static void Grouped(GradientContext g, long groups)
    {
        var x = g.X(0);
        int rank = RankOf(g, x);
        var dims = x.Type.Dims!;
        if (!dims[1].IsKnown) throw g.Fail("the channel count must be known");
        long c = dims[1].Value;
        if (g.X(1).Type.Dims is { Length: 1 } sd && sd[0].IsKnown && sd[0].Value != c)
            throw g.Fail($"the gradient needs per-channel scale [{c}], got {g.X(1).Type.ShapeText}");
        var grouped = g.Ints(0, groups, -1);
        var back = g.ShapeOf(x);
        var perChannel = g.Ints([-1, .. Enumerable.Repeat(1L, rank - 2)]);
        var gamma = g.Op("Reshape", g.X(1), perChannel);
        var axis2 = g.Ints(2);
        var xg = g.Op("Reshape", x, grouped);
        var (xhatG, invStd) = Standardize(g, xg, axis2, g.Attributes.GetFloat("epsilon"));
        var xhat = g.Op("Reshape", xhatG, back);
        var dy = g.dY(0)!;
        var channelAxes = g.Ints([0, .. Enumerable.Range(2, rank - 2).Select(i => (long)i)]);
        if (g.NeedsGrad(0))
        {
            var gy = g.Op("Reshape", g.Op("Mul", dy, gamma), grouped);
            g.SetGrad(0, g.Op("Reshape", Normalized(g, gy, xhatG, invStd, axis2), back));
        }
        if (g.NeedsGrad(1)) g.SetGrad(1, g.ReduceToShape(g.Op("ReduceSum", [g.Op("Mul", dy, xhat), channelAxes], ("keepdims", 0L)), g.X(1)));
        if (g.NeedsGrad(2)) g.SetGrad(2, g.ReduceToShape(g.Op("ReduceSum", [dy, channelAxes], ("keepdims", 0L)), g.X(2)));
    }

    /// <summary>x̂ and σ⁻¹ (biased variance) over <paramref name="axes"/>, keepdims.</summary>
    private static (Value XHat, Value InvStd) Standardize(GradientContext g, Value x, Value axes, double epsilon)
    {
        var mean = g.Op("ReduceMean", [x, axes], ("keepdims", 1L));
        var centered = g.Op("Sub", x, mean);
        var variance = g.Op("ReduceMean", [g.Op("Mul", centered, centered), axes], ("keepdims", 1L));
        var invStd = g.Op("Reciprocal", g.Op("Sqrt", g.Op("Add", variance, g.ConstLike(epsilon, x))));
        return (g.Op("Mul", centered, invStd), invStd);
    }

    /// <summary>σ⁻¹·(gy − mean(gy) − x̂·mean(gy·x̂)) over <paramref name="axes"/>.</summary>
    private static Value Normalized(GradientContext g, Value gy, Value xhat, Value invStd, Value axes)
    {
        var meanG = g.Op("ReduceMean", [gy, axes], ("keepdims", 1L));
        var meanGx = g.Op("ReduceMean", [g.Op("Mul", gy, xhat), axes], ("keepdims", 1L));
        return g.Op("Mul", invStd, g.Op("Sub", g.Op("Sub", gy, meanG), g.Op("Mul", xhat, meanGx)));
    }

    private static int RankOf(GradientContext g, Value x) =>
        x.Type.HasRank && x.Type.Rank >= 2 ? x.Type.Rank : throw g.Fail($"the input's rank must be known and ≥ 2, got {x.Type.ShapeText}");

    /// <summary>
    /// Dropout: dX = dY·mask·s with s = 1/(1 − ratio) in training mode and 1 otherwise — the mask the
    /// forward pass drew, so forward and backward drop the same elements. A node without a mask
    /// output gets one (it costs nothing: the kernel draws the mask anyway).
    /// </summary>
    public static void Dropout(GradientContext g)
    {
        var x = g.X(0);
        var node = g.Node;
        var mask = node.Output(1);
        if (mask is null)
        {
            if (node.Outputs.Count > 1) throw g.Fail("the mask output slot is absent; give the node a mask output");
            mask = node.AddOutput(new Value(NodeFactory.FreshName(node.Name + "_mask"), new TensorType(DataType.Bool, x.Type.Dims)));
        }
        Value scale;
        var training = g.HasX(2) ? g.ConstantOf(g.X(2)) : Tensor.Scalar(false);
        var ratioConst = g.HasX(1) ? g.ConstantOf(g.X(1)) : Tensor.Scalar(0.5f);
        if (training is not null && ratioConst is not null)
        {
            double ratio = ratioConst.ScalarAsDouble();
            scale = g.ConstLike(training.ScalarAsDouble() != 0 && ratio > 0 ? 1 / (1 - ratio) : 1, x);
        }
        else
        {
            var ratio = g.HasX(1) ? g.Cast(g.X(1), x.Type.Elem) : g.ConstLike(0.5, x);
            var trainingFlag = g.HasX(2) ? g.Cast(g.X(2), DataType.Bool) : g.Const(Tensor.Scalar(false));
            var inverse = g.Op("Reciprocal", g.Op("Sub", g.ConstLike(1, x), ratio));
            scale = g.Op("Where", trainingFlag, inverse, g.ConstLike(1, x));
        }
        g.SetGrad(0, g.Op("Where", mask, g.Op("Mul", g.dY(0), scale), g.ConstLike(0, x)));
    }
}
