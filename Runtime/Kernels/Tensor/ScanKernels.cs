using System.Numerics;

namespace Engine.Runtime.Kernels;

/// <summary>Running sums and products along an axis: CumSum, CumProd.</summary>
public static class ScanKernels
{
    public static Tensor?[] CumSum(KernelContext ctx, Tensor?[] inputs) => Scan(ctx, inputs, product: false);

    public static Tensor?[] CumProd(KernelContext ctx, Tensor?[] inputs) => Scan(ctx, inputs, product: true);

    private static Tensor?[] Scan(KernelContext ctx, Tensor?[] inputs, bool product)
    {
        var x = KernelArgs.Input(ctx, inputs, 0);
        var axisT = KernelArgs.Input(ctx, inputs, 1);
        if (axisT.Length != 1) throw ctx.Fail("axis must be a single value");
        if (x.Rank == 0) throw ctx.Fail("input must have rank >= 1");
        int axis = KernelArgs.Axis(ctx, KernelArgs.Ints(ctx, axisT, "axis")[0], x.Rank);
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= x.Shape[d];
        for (int d = axis + 1; d < x.Rank; d++) inner *= x.Shape[d];
        var f = new Func(outer, x.Shape[axis], inner, ctx.Attributes.GetInt("exclusive") != 0, ctx.Attributes.GetInt("reverse") != 0, product);
        var data = ElementDispatch.RunNumeric<Array, Func>(x, f, ctx.NodeName);
        return [ElementDispatch.Wrap(x.Type, (int[])x.Shape.Clone(), data)];
    }

    private readonly struct Func(int outer, int dim, int inner, bool exclusive, bool reverse, bool product) : INumericFunc<Array>
    {
        public Array Invoke<T>(T[] src) where T : unmanaged, INumber<T>
        {
            var dst = new T[src.Length];
            T identity = product ? T.One : T.Zero;
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    T acc = identity;
                    for (int s = 0; s < dim; s++)
                    {
                        int j = reverse ? dim - 1 - s : s;
                        int p = (o * dim + j) * inner + i;
                        T v = src[p];
                        if (exclusive)
                        {
                            dst[p] = acc;
                            acc = product ? acc * v : acc + v;
                        }
                        else
                        {
                            acc = product ? acc * v : acc + v;
                            dst[p] = acc;
                        }
                    }
                }
            }
            return dst;
        }
    }
}
