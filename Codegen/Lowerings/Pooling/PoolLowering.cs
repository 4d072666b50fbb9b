using Engine.Codegen.Lowering;
using Engine.Runtime;
using Engine.Runtime.Kernels;
using static Engine.Codegen.Lowerings.LoweringText;

namespace Engine.Codegen.Lowerings.Pooling;

/// <summary>
/// float32 MaxPool / AveragePool over 1-D or 2-D spatial NCHW as one <c>Pool2D</c> call with the window resolved at
/// compile time (auto_pad, ceil_mode and the pads folded into the constant shape; 1-D pools run as H = 1).
/// </summary>
public sealed class PoolLowering(bool max) : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        if (ctx.InType(0) != DataType.Float) return "only float32 is lowered";
        if (max && HasOutput(ctx, 1)) return "the Indices output is not lowered";
        var xs = ctx.InShape(0);
        if (xs.Length is not (3 or 4)) return $"rank {xs.Length} pooling (only 1-D and 2-D spatial are lowered)";
        var a = ctx.Attributes;
        var kernel = a.GetInts("kernel_shape");
        if (kernel.Length != xs.Length - 2) return "kernel_shape does not match the spatial rank";
        WindowGeometry g;
        try
        {
            g = WindowGeometry.Resolve(xs[2..], kernel.Select(k => (int)Math.Clamp(k, 0, int.MaxValue)).ToArray(), a, a.GetInt("ceil_mode") != 0,
                m => new EngineException(m));
        }
        catch (EngineException e)
        {
            return e.Message;
        }
        bool oneD = xs.Length == 3;
        int At(int[] v, int i, int oneDefault) => oneD ? (i == 0 ? oneDefault : v[0]) : v[i];
        int n = xs[0], c = xs[1], h = oneD ? 1 : xs[2], w = xs[^1];
        var shape = string.Join(", ", new long[]
        {
            n, c, h, w, At(g.Kernel, 0, 1), At(g.Kernel, 1, 1), At(g.Strides, 0, 1), At(g.Strides, 1, 1), At(g.PadBegin, 0, 0), At(g.PadBegin, 1, 0),
            At(g.PadEnd, 0, 0), At(g.PadEnd, 1, 0), At(g.Dilations, 0, 1), At(g.Dilations, 1, 1), At(g.Output, 0, 1), At(g.Output, 1, 1),
        }.Select(I));
        if (Product(ctx.OutShape(0)) != (long)n * c * At(g.Output, 0, 1) * At(g.Output, 1, 1)) return "output shape differs from the resolved window";
        ctx.Comment($"{ctx.Node.OpType} {string.Join("x", xs)} kernel {string.Join("x", g.Kernel)}: Pool2D");
        if (max)
            ctx.Line($"Pool2D.MaxPool({ctx.In(0)}, {ctx.Out(0)}, new Pool2DShape({shape}), {ctx.Threads}, {Isa(ctx)});");
        else
            ctx.Line($"Pool2D.AveragePool({ctx.In(0)}, {ctx.Out(0)}, new Pool2DShape({shape}), {(a.GetInt("count_include_pad") != 0 ? "true" : "false")}, {ctx.Threads}, {Isa(ctx)});");
        return null;
    }
}

/// <summary>float32 GlobalAveragePool / GlobalMaxPool: one value per (n, c) plane.</summary>
public sealed class GlobalPoolLowering(bool max) : ICpuLowering
{
    public string? TryEmit(LoweringContext ctx)
    {
        if (ctx.InType(0) != DataType.Float) return "only float32 is lowered";
        var xs = ctx.InShape(0);
        if (xs.Length < 2) return "rank below 2";
        long planes = (long)xs[0] * xs[1], size = Product(xs.AsSpan(2));
        if (planes > int.MaxValue || size > int.MaxValue) return "too large";
        ctx.Line($"Pool2D.{(max ? "GlobalMaxPool" : "GlobalAveragePool")}({ctx.In(0)}, {ctx.Out(0)}, {I(planes)}, {I(size)}, {ctx.Threads}, {Isa(ctx)});");
        return null;
    }
}

/// <summary>Registers the pooling lowerings.</summary>
public sealed class PoolingLowerings : ICpuLoweringLibrary
{
    public void Register(CpuLoweringRegistry r)
    {
        r.Add("MaxPool", new PoolLowering(true));
        r.Add("AveragePool", new PoolLowering(false));
        r.Add("GlobalMaxPool", new GlobalPoolLowering(true));
        r.Add("GlobalAveragePool", new GlobalPoolLowering(false));
    }
}
