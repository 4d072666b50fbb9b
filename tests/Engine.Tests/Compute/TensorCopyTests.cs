using Engine.Runtime;
using Engine.Runtime.Compute;
using Engine.Tests.Ops;

namespace Engine.Tests.Compute;

/// <summary>TensorCopy/Resize2D against the Transpose, Slice, Expand, Tile, Concat, Gather, Pad and Resize reference kernels.</summary>
public unsafe class TensorCopyTests
{
    private static Tensor Data(DataType t, int[] shape, int seed)
    {
        var f = NnHarness.Random((int)Tensor.ElementCount(shape), seed, -100, 100);
        return t switch
        {
            DataType.Float => Tensor.FromArray(f, shape),
            DataType.Int64 => Tensor.FromArray(f.Select(v => (long)v).ToArray(), shape),
            DataType.UInt8 => Tensor.FromArray(f.Select(v => (byte)v).ToArray(), shape),
            _ => Tensor.FromArray(f.Select(v => (short)v).ToArray(), shape),
        };
    }

    private static readonly DataType[] Types = [DataType.Float, DataType.Int64, DataType.UInt8, DataType.Int16];

    private static byte[] Bytes(Tensor t)
    {
        var h = System.Runtime.InteropServices.GCHandle.Alloc(t.Data, System.Runtime.InteropServices.GCHandleType.Pinned);
        try
        {
            int es = DataTypes.Size(t.Type);
            var b = new byte[t.Length * es];
            System.Runtime.InteropServices.Marshal.Copy(h.AddrOfPinnedObject(), b, 0, b.Length);
            return b;
        }
        finally { h.Free(); }
    }

    private static void Same(Tensor expected, byte[] actual, string what) => Assert.True(Bytes(expected).AsSpan().SequenceEqual(actual), what);

    [Fact]
    public void TransposeMatchesReference()
    {
        var rng = new Random(1);
        for (int trial = 0; trial < 60; trial++)
        {
            int rank = rng.Next(1, 6);
            var shape = PrimitiveKit.Dims(rng, rank, trial < 10 ? 70 : 17);
            if (trial < 10) shape = rank == 1 ? [67] : [.. PrimitiveKit.Dims(rng, rank - 2, 5), rng.Next(1, 70), rng.Next(1, 70)];
            if (trial == 10) shape = [3, 0, 4];
            rank = shape.Length;
            var perm = Enumerable.Range(0, rank).OrderBy(_ => rng.Next()).ToArray();
            var t = Types[trial % Types.Length];
            var x = Data(t, shape, trial);
            var expected = NnHarness.Run1("Transpose", [x], ("perm", perm.Select(p => (long)p).ToArray()));
            int es = DataTypes.Size(t);
            var xb = Bytes(x);
            var y = new byte[expected.Length * es];
            fixed (byte* px = xb, py = y) TensorCopy.Transpose(px, py, shape, perm, es, 2);
            Same(expected, y, $"{t} {Tensor.ShapeString(shape)} perm {string.Join(",", perm)}");
        }
    }

    [Fact]
    public void SliceWithStepsMatchesReference()
    {
        var rng = new Random(2);
        for (int trial = 0; trial < 40; trial++)
        {
            int rank = rng.Next(1, 5);
            var shape = PrimitiveKit.Dims(rng, rank, 17);
            var starts = new long[rank];
            var ends = new long[rank];
            var steps = new long[rank];
            var outShape = new int[rank];
            var strides = new long[rank];
            long offset = 0, acc = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                int n = shape[d];
                long step = rng.Next(1, 4) * (rng.Next(2) == 0 ? 1 : -1);
                long start = step > 0 ? rng.Next(n) : n - 1 - rng.Next(n);
                long end = step > 0 ? rng.Next((int)start, n + 1) : rng.Next(-1, (int)start + 1);
                starts[d] = start;
                ends[d] = step > 0 ? end : (end < 0 ? -n - 1 : end);
                steps[d] = step;
                outShape[d] = (int)Math.Max(0, step > 0 ? (end - start + step - 1) / step : (start - end + (-step) - 1) / -step);
                strides[d] = step * acc;
                offset += start * acc;
                acc *= n;
            }
            var t = Types[trial % Types.Length];
            var x = Data(t, shape, trial);
            var expected = NnHarness.Run1("Slice", [x, Tensor.FromArray(starts, rank), Tensor.FromArray(ends, rank),
                Tensor.FromArray(Enumerable.Range(0, rank).Select(i => (long)i).ToArray(), rank), Tensor.FromArray(steps, rank)]);
            Assert.Equal(outShape, expected.Shape);
            int es = DataTypes.Size(t);
            var xb = Bytes(x);
            var y = new byte[expected.Length * es];
            if (expected.Length > 0)
                fixed (byte* px = xb, py = y) TensorCopy.StridedCopy(px + offset * es, py, outShape, strides, es, 2);
            Same(expected, y, $"{t} {Tensor.ShapeString(shape)} slice");
        }
    }

    [Fact]
    public void ExpandAndTileMatchReference()
    {
        var rng = new Random(3);
        for (int trial = 0; trial < 30; trial++)
        {
            int rank = rng.Next(1, 5);
            var outShape = PrimitiveKit.Dims(rng, rank, 17);
            var inShape = outShape.Select(d => rng.Next(3) == 0 ? 1 : d).ToArray();
            var t = Types[trial % Types.Length];
            int es = DataTypes.Size(t);
            var x = Data(t, inShape, trial);
            var xb = Bytes(x);
            // Expand: stride 0 on the broadcast dims.
            var expected = NnHarness.Run1("Expand", [x, Tensor.FromArray(outShape.Select(d => (long)d).ToArray(), rank)]);
            var strides = new long[rank];
            long acc = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                strides[d] = inShape[d] == 1 ? 0 : acc;
                acc *= inShape[d];
            }
            var y = new byte[expected.Length * es];
            fixed (byte* px = xb, py = y) TensorCopy.StridedCopy(px, py, outShape, strides, es, 2);
            Same(expected, y, $"expand {Tensor.ShapeString(inShape)} -> {Tensor.ShapeString(outShape)}");
            // Tile: each dim as [repeat, dim] with stride 0 on the repeat.
            var reps = Enumerable.Range(0, rank).Select(_ => (long)rng.Next(1, 4)).ToArray();
            var tiled = NnHarness.Run1("Tile", [x, Tensor.FromArray(reps, rank)]);
            var tShape = new int[2 * rank];
            var tStride = new long[2 * rank];
            acc = 1;
            for (int d = rank - 1; d >= 0; d--)
            {
                tShape[2 * d] = (int)reps[d];
                tShape[2 * d + 1] = inShape[d];
                tStride[2 * d + 1] = acc;
                acc *= inShape[d];
            }
            y = new byte[tiled.Length * es];
            fixed (byte* px = xb, py = y) TensorCopy.StridedCopy(px, py, tShape, tStride, es, 2);
            Same(tiled, y, $"tile {Tensor.ShapeString(inShape)} x {string.Join(",", reps)}");
        }
    }

    [Fact]
    public void ConcatAndGatherMatchReference()
    {
        var rng = new Random(4);
        for (int trial = 0; trial < 30; trial++)
        {
            int rank = rng.Next(1, 5), axis = rng.Next(rank);
            var baseShape = PrimitiveKit.Dims(rng, rank, 13);
            var t = Types[trial % Types.Length];
            int es = DataTypes.Size(t);
            var parts = Enumerable.Range(0, rng.Next(1, 4)).Select(i =>
            {
                var s = (int[])baseShape.Clone();
                s[axis] = rng.Next(0, 6);
                return Data(t, s, trial * 10 + i);
            }).ToArray();
            var expected = NnHarness.Run1("Concat", parts, ("axis", (long)axis));
            var y = new byte[expected.Length * es];
            long outer = Tensor.ElementCount(baseShape[..axis]), inner = Tensor.ElementCount(baseShape[(axis + 1)..]);
            long dstRow = expected.Shape[axis] * inner * es, off = 0;
            fixed (byte* py = y)
            {
                foreach (var p in parts)
                {
                    var pb = Bytes(p);
                    long row = p.Shape[axis] * inner * es;
                    fixed (byte* pp = pb) TensorCopy.CopyRows(pp, row, py + off, dstRow, (int)outer, row, 2);
                    off += row;
                }
            }
            Same(expected, y, $"concat axis {axis}");

            // Gather along the same axis with int64 and int32 indices (negative ones included).
            var x = Data(t, baseShape, trial);
            int n = baseShape[axis], count = rng.Next(0, 7);
            var idx = Enumerable.Range(0, count).Select(_ => (long)rng.Next(-n, n)).ToArray();
            var g = NnHarness.Run1("Gather", [x, Tensor.FromArray(idx, count)], ("axis", (long)axis));
            var xb = Bytes(x);
            foreach (bool i64 in new[] { true, false })
            {
                var yg = new byte[g.Length * es];
                var idx32 = idx.Select(v => (int)v).ToArray();
                fixed (byte* px = xb, py = yg)
                fixed (long* pi = idx)
                fixed (int* pi32 = idx32)
                    TensorCopy.Gather(px, i64 ? pi : pi32, i64, count, py, (int)outer, n, inner * es, 2);
                Same(g, yg, $"gather axis {axis}");
            }
        }
    }

    [Fact]
    public void GatherRejectsOutOfRangeIndices()
    {
        var x = new float[6];
        var idx = new long[] { 0, 3 };
        var y = new float[4];
        fixed (float* px = x, py = y)
        fixed (long* pi = idx)
        {
            var px2 = px;
            var py2 = py;
            var pi2 = pi;
            var e = Assert.Throws<EngineException>(() => TensorCopy.Gather(px2, pi2, true, 2, py2, 1, 3, 8, 1));
            Assert.Contains("out of range", e.Message);
        }
    }

    [Theory]
    [InlineData("constant")]
    [InlineData("reflect")]
    [InlineData("edge")]
    [InlineData("wrap")]
    public void PadMatchesReference(string mode)
    {
        var rng = new Random(mode.Length);
        for (int trial = 0; trial < 25; trial++)
        {
            int rank = rng.Next(1, 5);
            var shape = PrimitiveKit.Dims(rng, rank, 13).Select(d => mode == "reflect" ? d + 2 : d).ToArray();
            var begin = shape.Select(d => rng.Next(mode == "constant" ? -Math.Min(d, 2) : -1, Math.Min(d - 1, 3) + 1)).ToArray();
            var end = shape.Select(d => rng.Next(mode == "constant" ? -Math.Min(d, 2) : -1, Math.Min(d - 1, 3) + 1)).ToArray();
            for (int d = 0; d < rank; d++) if (shape[d] + begin[d] + end[d] < 0) end[d] = -shape[d] - begin[d];
            var t = Types[trial % Types.Length];
            int es = DataTypes.Size(t);
            var x = Data(t, shape, trial);
            var pads = Tensor.FromArray(begin.Concat(end).Select(v => (long)v).ToArray(), 2 * rank);
            Tensor value = t switch
            {
                DataType.Float => Tensor.FromArray(new[] { 2.5f }),
                DataType.Int64 => Tensor.FromArray(new[] { 7L }),
                DataType.UInt8 => Tensor.FromArray(new byte[] { 9 }),
                _ => Tensor.FromArray(new short[] { -3 }),
            };
            var expected = NnHarness.Run1("Pad", [x, pads, value], ("mode", mode));
            ulong bits = t switch
            {
                DataType.Float => (uint)BitConverter.SingleToInt32Bits(2.5f),
                DataType.Int64 => 7UL,
                DataType.UInt8 => 9UL,
                _ => unchecked((ushort)(short)-3),
            };
            var pm = mode switch { "constant" => TensorCopy.PadMode.Constant, "reflect" => TensorCopy.PadMode.Reflect, "edge" => TensorCopy.PadMode.Edge, _ => TensorCopy.PadMode.Wrap };
            var xb = Bytes(x);
            var y = new byte[expected.Length * es];
            fixed (byte* px = xb, py = y) TensorCopy.Pad(px, py, shape, begin, end, pm, bits, es, 2);
            Same(expected, y, $"{mode} {t} {Tensor.ShapeString(shape)} pads {string.Join(",", begin)} / {string.Join(",", end)}");
        }
    }
}
