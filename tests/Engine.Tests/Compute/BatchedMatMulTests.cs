using Engine.Runtime;
using Engine.Runtime.Compute;
using Engine.Runtime.Kernels;
using static Engine.Tests.Compute.ComputeReference;

namespace Engine.Tests.Compute;

/// <summary>BatchedMatMul against the reference MatMul kernel (<see cref="MatMulKernels"/>), constant and dynamic B.</summary>
public unsafe class BatchedMatMulTests
{
    public static IEnumerable<object[]> Shapes()
    {
        int[][][] cases =
        [
            [[2, 3, 5], [2, 5, 7]],
            [[3, 17, 13], [13, 19]],            // shared B: folds into M
            [[13, 19], [3, 19, 5]],             // shared A
            [[2, 4, 31, 16], [2, 4, 16, 31]],   // attention-like scores
            [[2, 1, 7, 9], [1, 3, 9, 33]],      // both broadcast
            [[1, 1, 1], [1, 1, 1]],
            [[4, 0, 5], [4, 5, 6]],             // empty M
            [[2, 6, 0], [2, 0, 3]],             // K = 0: zeros
            [[2, 3, 2, 5, 7], [3, 1, 7, 11]],   // three batch dims
            [[5, 97, 70], [5, 70, 67]],
        ];
        foreach (var c in cases)
            foreach (var isa in Paths)
                yield return [c[0], c[1], isa];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MatchesReferenceMatMul(int[] aShape, int[] bShape, ComputeIsa isa)
    {
        if (!PackedGemmTests.IsSupported(isa)) return;
        var s = BatchedMatMulShape.FromShapes(aShape, bShape) ?? throw new InvalidOperationException("no plan");
        var a = Random((int)Tensor.ElementCount(aShape), 1);
        var b = Random((int)Tensor.ElementCount(bShape), 2);
        var expected = MatMulKernels.MatMul(new KernelContext(new AttributeMap(), 1, "mm"), [Tensor.FromArray(a, aShape), Tensor.FromArray(b, bShape)])[0]!;
        Assert.Equal(s.OutputLength, expected.Length);
        var exp = expected.As<float>().Select(v => (double)v).ToArray();
        var packed = BatchedMatMul.PackB(b, s);
        foreach (int threads in new[] { 1, 2 })
        {
            var c = new float[s.OutputLength];
            Array.Fill(c, float.NaN);
            var scratch = new float[BatchedMatMul.ScratchLength(s, threads)];
            fixed (float* ap = a, pp = packed, cp = c, sp = scratch)
                BatchedMatMul.Run(s, ap, pp, cp, sp, threads, isa);
            Close(exp, c, what: $"packed {s} t={threads}");

            Array.Fill(c, float.NaN);
            var dyn = new float[BatchedMatMul.DynamicScratchLength(s, threads)];
            fixed (float* ap = a, bp = b, cp = c, sp = dyn)
                BatchedMatMul.RunDynamic(s, ap, bp, cp, sp, threads, isa);
            Close(exp, c, what: $"dynamic {s} t={threads}");
        }
    }

    [Fact]
    public void RejectsIncompatibleShapes()
    {
        Assert.Null(BatchedMatMulShape.FromShapes([2, 3, 4], [3, 5, 6]));
        Assert.Null(BatchedMatMulShape.FromShapes([3, 2, 3, 4], [3, 4, 6]));
        Assert.Null(BatchedMatMulShape.FromShapes([4], [4, 6]));
    }

    [Fact]
    public void NoAllocationPerCallAfterWarmUp()
    {
        var s = BatchedMatMulShape.FromShapes([2, 4, 33, 16], [2, 4, 16, 33])!.Value;
        var a = Random(2 * 4 * 33 * 16, 3);
        var b = Random(2 * 4 * 16 * 33, 4);
        var c = new float[s.OutputLength];
        var scratch = new float[BatchedMatMul.DynamicScratchLength(s, 2)];
        fixed (float* ap = a, bp = b, cp = c, sp = scratch)
        {
            for (int i = 0; i < 3; i++) BatchedMatMul.RunDynamic(s, ap, bp, cp, sp, 2);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) BatchedMatMul.RunDynamic(s, ap, bp, cp, sp, 2);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
