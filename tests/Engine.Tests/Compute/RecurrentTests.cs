using Engine.Runtime;
using Engine.Runtime.Compute;
using Engine.Runtime.Kernels;
using static Engine.Tests.Compute.ComputeReference;

namespace Engine.Tests.Compute;

/// <summary>Recurrent (RNN/GRU/LSTM) against the reference kernels (<see cref="RecurrentKernels"/>).</summary>
public unsafe class RecurrentTests
{
    // seq, batch, input, hidden
    private static readonly int[][] Sizes = [[1, 1, 1, 1], [5, 3, 7, 17], [4, 2, 19, 33], [0, 2, 3, 4], [3, 13, 0, 5]];

    public static IEnumerable<object[]> Cases()
    {
        foreach (var cell in new[] { RecurrentCell.Rnn, RecurrentCell.Gru, RecurrentCell.Lstm })
            foreach (var dir in new[] { RecurrentDirection.Forward, RecurrentDirection.Reverse, RecurrentDirection.Bidirectional })
                for (int i = 0; i < Sizes.Length; i++)
                    yield return [cell, dir, i];
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesReferenceKernel(RecurrentCell cell, RecurrentDirection dir, int sizeIndex)
    {
        var z = Sizes[sizeIndex];
        int seq = z[0], batch = z[1], input = z[2], hidden = z[3];
        // Variants: plain defaults; everything optional given (+ layout 1, clip, sequence_lens, other activations).
        foreach (bool full in new[] { false, true })
            foreach (var isa in Paths)
            {
                if (!PackedGemmTests.IsSupported(isa)) continue;
                Check(cell, dir, seq, batch, input, hidden, full, isa, lbr: false);
                if (cell == RecurrentCell.Gru) Check(cell, dir, seq, batch, input, hidden, full, isa, lbr: true);
            }
    }

    private static void Check(RecurrentCell cell, RecurrentDirection dir, int seq, int batch, int input, int hidden, bool full, ComputeIsa isa, bool lbr)
    {
        int dirs = dir == RecurrentDirection.Bidirectional ? 2 : 1;
        int gates = cell switch { RecurrentCell.Rnn => 1, RecurrentCell.Gru => 3, _ => 4 };
        int gh = gates * hidden;
        bool batchMajor = full;
        var x = Random(seq * batch * input, 1, -2, 2);
        var w = Random(dirs * gh * input, 2);
        var r = Random(dirs * gh * hidden, 3);
        var bias = full ? Random(dirs * 2 * gh, 4) : null;
        var p = full && cell == RecurrentCell.Lstm ? Random(dirs * 3 * hidden, 5) : null;
        var h0 = full ? Random(dirs * batch * hidden, 6) : null;
        var c0 = full && cell == RecurrentCell.Lstm ? Random(dirs * batch * hidden, 7) : null;
        var lens = full ? Enumerable.Range(0, batch).Select(i => i % 3 == 1 ? Math.Max(0, seq - 1 - i % 2) : seq).ToArray() : null;
        string[] names = cell switch
        {
            RecurrentCell.Rnn => ["Relu"],
            RecurrentCell.Gru => ["HardSigmoid", "Softsign"],
            _ => ["Sigmoid", "LeakyRelu", "ScaledTanh"],
        };
        var attrs = new AttributeMap();
        attrs.Set("direction", dir switch { RecurrentDirection.Forward => "forward", RecurrentDirection.Reverse => "reverse", _ => "bidirectional" });
        attrs.Set("hidden_size", (long)hidden);
        attrs.Set("layout", batchMajor ? 1L : 0L);
        attrs.Set("linear_before_reset", lbr ? 1L : 0L);
        attrs.Set("input_forget", 0L);
        var acts = new RecurrentActivation[6];
        if (full)
        {
            attrs.Set("clip", 1.5f);
            attrs.Set("activations", Enumerable.Range(0, dirs).SelectMany(_ => names).ToArray());
            for (int d = 0; d < dirs; d++)
                for (int j = 0; j < names.Length; j++)
                {
                    var kind = RecurrentActivation.Parse(names[j])!.Value;
                    var (a, b, _, _) = RecurrentActivation.Defaults(kind);
                    acts[d * 3 + j] = new RecurrentActivation(kind, a, b);
                }
        }
        int[] xShape = batchMajor ? [batch, seq, input] : [seq, batch, input];
        int[] sShape = batchMajor ? [batch, dirs, hidden] : [dirs, batch, hidden];
        var inputs = new Tensor?[]
        {
            Tensor.FromArray(x, xShape), Tensor.FromArray(w, dirs, gh, input), Tensor.FromArray(r, dirs, gh, hidden),
            bias is null ? null : Tensor.FromArray(bias, dirs, 2 * gh), lens is null ? null : Tensor.FromArray(lens, batch),
            h0 is null ? null : Tensor.FromArray(h0, sShape), c0 is null ? null : Tensor.FromArray(c0, sShape), p is null ? null : Tensor.FromArray(p, dirs, 3 * hidden),
        };
        int outs = cell == RecurrentCell.Lstm ? 3 : 2;
        var ctx = new KernelContext(attrs, outs, "rnn");
        var expected = cell switch
        {
            RecurrentCell.Rnn => RecurrentKernels.Rnn(ctx, inputs[..6]),
            RecurrentCell.Gru => RecurrentKernels.Gru(ctx, inputs[..6]),
            _ => RecurrentKernels.Lstm(ctx, inputs),
        };
        var s = new RecurrentShape(cell, seq, batch, input, hidden, dir, batchMajor, full ? 1.5f : float.PositiveInfinity, lbr, false,
            acts[0], acts[1], acts[2], acts[3], acts[4], acts[5]);
        var packed = Recurrent.PackWeights(s, w, r, bias, p);
        foreach (int threads in new[] { 1, 2 })
        {
            var y = new float[seq * dirs * batch * hidden];
            var yh = new float[dirs * batch * hidden];
            var yc = new float[dirs * batch * hidden];
            Array.Fill(y, float.NaN);
            var scratch = new float[Recurrent.ScratchLength(s, threads)];
            fixed (float* xp = x, pp = packed, h0p = h0, c0p = c0, yp = y, yhp = yh, ycp = yc, sp = scratch)
            fixed (int* lp = lens)
                Recurrent.Run(s, xp, pp, lp, h0p, c0p, yp, yhp, ycp, sp, threads, isa);
            string what = $"{s} t={threads} {isa}";
            Close(expected[0]!.As<float>().Select(v => (double)v).ToArray(), y, what: what + " Y");
            Close(expected[1]!.As<float>().Select(v => (double)v).ToArray(), yh, what: what + " Y_h");
            if (cell == RecurrentCell.Lstm) Close(expected[2]!.As<float>().Select(v => (double)v).ToArray(), yc, what: what + " Y_c");
        }
    }

    [Fact]
    public void NoAllocationPerCallAfterWarmUp()
    {
        var s = new RecurrentShape(RecurrentCell.Lstm, 8, 4, 24, 32, RecurrentDirection.Bidirectional);
        var packed = Recurrent.PackWeights(s, Random(2 * 128 * 24, 1), Random(2 * 128 * 32, 2), default, default);
        var x = Random(8 * 4 * 24, 3);
        var y = new float[8 * 2 * 4 * 32];
        var scratch = new float[Recurrent.ScratchLength(s, 2)];
        fixed (float* xp = x, pp = packed, yp = y, sp = scratch)
        {
            for (int i = 0; i < 3; i++) Recurrent.Run(s, xp, pp, null, null, null, yp, null, null, sp, 2);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++) Recurrent.Run(s, xp, pp, null, null, null, yp, null, null, sp, 2);
            Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        }
    }
}
