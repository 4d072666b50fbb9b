using Engine.Runtime;
using Engine.Runtime.Compute;
using Engine.Runtime.Kernels;
using Engine.Tests.Ops;

namespace Engine.Tests.Compute;

/// <summary>Pool2D against the MaxPool/AveragePool/Global*Pool reference kernels, random odd geometries, all ISA paths.</summary>
public unsafe class Pool2DTests
{
    internal static Pool2DShape Shape(int[] x, WindowGeometry g) => new(x[0], x[1], x[2], x[3], g.Kernel[0], g.Kernel[1], g.Strides[0], g.Strides[1],
        g.PadBegin[0], g.PadBegin[1], g.PadEnd[0], g.PadEnd[1], g.Dilations[0], g.Dilations[1], g.Output[0], g.Output[1]);

    [Fact]
    public void MaxAndAveragePoolMatchReference()
    {
        var rng = new Random(11);
        int[] sizes = [1, 2, 3, 5, 7, 13, 17, 31, 37];
        for (int trial = 0; trial < 60; trial++)
        {
            int kh = rng.Next(1, 5), kw = rng.Next(1, 5), dh = rng.Next(1, 3), dw = rng.Next(1, 3);
            int h = sizes[rng.Next(sizes.Length)] + (kh - 1) * dh, w = sizes[rng.Next(sizes.Length)] + (kw - 1) * dw;
            var xs = new[] { rng.Next(1, 3), sizes[rng.Next(4)], h, w };
            var pads = new long[] { rng.Next(kh), rng.Next(kw), rng.Next(kh), rng.Next(kw) };
            var strides = new long[] { rng.Next(1, 4), rng.Next(1, 4) };
            int ceil = rng.Next(2), include = rng.Next(2);
            bool max = trial % 2 == 0;
            // The reference requires pads smaller than the (dilated) kernel extent for MaxPool; average takes any.
            var attrs = new List<(string, object)> { ("kernel_shape", new long[] { kh, kw }), ("pads", pads), ("strides", strides), ("ceil_mode", (long)ceil) };
            if (max) attrs.Add(("dilations", new long[] { dh, dw }));
            else attrs.Add(("count_include_pad", (long)include));
            if (!max) { dh = 1; dw = 1; }
            var x = Tensor.FromArray(NnHarness.Random(xs.Aggregate(1, (a, b) => a * b), trial, -3, 3), xs);
            var expected = NnHarness.Run(max ? "MaxPool" : "AveragePool", [x], 1, 1, attrs.ToArray())[0];
            var map = new AttributeMap();
            foreach (var (k, v) in attrs) map.Set(k, v);
            var g = WindowGeometry.Resolve(xs[2..], [kh, kw], map, ceil != 0, m => new EngineException(m));
            var s = Shape(xs, g);
            foreach (var isa in ComputeReference.Paths)
            {
                var y = new float[expected.Length];
                fixed (float* px = x.As<float>(), py = y)
                {
                    if (max) Pool2D.MaxPool(px, py, s, 2, isa);
                    else Pool2D.AveragePool(px, py, s, include != 0, 2, isa);
                }
                PrimitiveKit.Close(expected.As<float>(), y, 1e-5, 1e-6);
            }
        }
    }

    [Fact]
    public void GlobalPoolsMatchReference()
    {
        foreach (var xs in new[] { new[] { 1, 1, 1, 1 }, new[] { 2, 3, 7, 7 }, new[] { 1, 17, 5, 13 }, new[] { 3, 2, 33, 1 }, new[] { 1, 4, 0, 5 } })
        {
            var x = Tensor.FromArray(NnHarness.Random(xs.Aggregate(1, (a, b) => a * b), xs[1]), xs);
            foreach (bool max in new[] { false, true })
            {
                var expected = NnHarness.Run1(max ? "GlobalMaxPool" : "GlobalAveragePool", [x]).As<float>();
                foreach (var isa in ComputeReference.Paths)
                {
                    var y = new float[xs[0] * xs[1]];
                    fixed (float* px = x.As<float>(), py = y)
                    {
                        if (max) Pool2D.GlobalMaxPool(px, py, xs[0] * xs[1], xs[2] * xs[3], 2, isa);
                        else Pool2D.GlobalAveragePool(px, py, xs[0] * xs[1], xs[2] * xs[3], 2, isa);
                    }
                    PrimitiveKit.Close(expected, y, 1e-5, 1e-6);
                }
            }
        }
    }

    [Fact]
    public void LargePlanesRunInParallelAndMatch()
    {
        var xs = new[] { 2, 8, 40, 41 };
        var x = Tensor.FromArray(NnHarness.Random(xs.Aggregate(1, (a, b) => a * b), 3), xs);
        var expected = NnHarness.Run("MaxPool", [x], 1, 1, ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }))[0];
        var s = new Pool2DShape(2, 8, 40, 41, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, expected.Shape[2], expected.Shape[3]);
        var y = new float[expected.Length];
        fixed (float* px = x.As<float>(), py = y) Pool2D.MaxPool(px, py, s, 4);
        PrimitiveKit.Close(expected.As<float>(), y, 0, 0);
    }
}
