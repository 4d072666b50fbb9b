namespace Engine.Runtime.Kernels;

/// <summary>
/// Signal-processing ops: the Hann/Hamming/Blackman windows, MelWeightMatrix, DFT and STFT.
/// Complex tensors use ONNX's layout: a trailing dimension of 2 (real, imaginary), or 1 for real
/// signals. Transforms run in double: radix-2 FFT for power-of-two lengths, direct O(n²) sums otherwise.
/// </summary>
public static class SignalKernels
{
    /// <summary>Longest window / transform we accept (bounds memory on bad inputs).</summary>
    private const long MaxLength = 1 << 24;

    public static Tensor?[] HannWindow(KernelContext ctx, Tensor?[] inputs) =>
        Window(ctx, inputs, (n, len) => 0.5 - 0.5 * Math.Cos(2 * Math.PI * n / len));

    public static Tensor?[] HammingWindow(KernelContext ctx, Tensor?[] inputs) =>
        Window(ctx, inputs, (n, len) => 25.0 / 46.0 - 21.0 / 46.0 * Math.Cos(2 * Math.PI * n / len));

    public static Tensor?[] BlackmanWindow(KernelContext ctx, Tensor?[] inputs) =>
        Window(ctx, inputs, (n, len) => 0.42 - 0.5 * Math.Cos(2 * Math.PI * n / len) + 0.08 * Math.Cos(4 * Math.PI * n / len));

    private static Tensor?[] Window(KernelContext ctx, Tensor?[] inputs, Func<double, double, double> f)
    {
        var sizeT = Required(ctx, inputs, 0, "size");
        long size = ScalarInt(ctx, sizeT, "size");
        if (size < 0 || size > MaxLength) throw ctx.Fail($"window size {size} is out of range");
        bool periodic = ctx.Attributes.GetInt("periodic") != 0;
        // A periodic window is one period of an N-point window; a symmetric one spans N-1 intervals.
        double len = periodic ? size : size - 1;
        var w = new double[size];
        for (int i = 0; i < size; i++) w[i] = f(i, len);
        var type = DoubleBridge.TypeFromAttribute(ctx.Attributes.GetInt("output_datatype"), ctx.Fail);
        return [DoubleBridge.FromDoublesAny(type, [(int)size], w)];
    }

    /// <summary>Triangular mel filter bank of shape [dft_length/2 + 1, num_mel_bins].</summary>
    public static Tensor?[] MelWeightMatrix(KernelContext ctx, Tensor?[] inputs)
    {
        long numMel = ScalarInt(ctx, Required(ctx, inputs, 0, "num_mel_bins"), "num_mel_bins");
        long dftLength = ScalarInt(ctx, Required(ctx, inputs, 1, "dft_length"), "dft_length");
        long sampleRate = ScalarInt(ctx, Required(ctx, inputs, 2, "sample_rate"), "sample_rate");
        var lowerT = Required(ctx, inputs, 3, "lower_edge_hertz");
        var upperT = Required(ctx, inputs, 4, "upper_edge_hertz");
        double lower = lowerT.ScalarAsDouble(), upper = upperT.ScalarAsDouble();
        if (numMel <= 0 || dftLength <= 0 || sampleRate <= 0) throw ctx.Fail("num_mel_bins, dft_length and sample_rate must be positive");
        long bins = dftLength / 2 + 1;
        if (bins * numMel > Tensor.MaxElements) throw ctx.Fail("mel weight matrix is too large");
        // The edges' mel values are computed in the edge tensors' precision, as the reference does.
        var edgeType = lowerT.Type;
        double lowMel = QuantizeKernels.RoundTo(edgeType, 2595 * Math.Log10(1 + lower / 700));
        double highMel = QuantizeKernels.RoundTo(edgeType, 2595 * Math.Log10(1 + upper / 700));
        double step = QuantizeKernels.RoundTo(edgeType, (highMel - lowMel) / (numMel + 2));
        var edges = new long[numMel + 2];
        for (int i = 0; i < edges.Length; i++)
        {
            double hz = 700 * (Math.Pow(10, (i * step + lowMel) / 2595) - 1);
            edges[i] = (long)Math.Floor((dftLength + 1) * hz / sampleRate);
        }
        var w = new double[bins * numMel];
        void Set(long row, long col, double v)
        {
            if (row < 0 || row >= bins) throw ctx.Fail($"mel band edge {row} falls outside the {bins} spectrogram bins");
            w[row * numMel + col] = v;
        }
        for (int m = 0; m < numMel; m++)
        {
            long left = edges[m], center = edges[m + 1], right = edges[m + 2];
            if (center == left) Set(center, m, 1);
            else for (long j = left; j <= center; j++) Set(j, m, (double)(j - left) / (center - left));
            for (long j = center; j < right; j++) Set(j, m, (double)(right - j) / (right - center));
        }
        var type = DoubleBridge.TypeFromAttribute(ctx.Attributes.GetInt("output_datatype"), ctx.Fail);
        return [DoubleBridge.FromDoublesAny(type, [(int)bins, (int)numMel], w)];
    }

    public static Tensor?[] Dft(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Required(ctx, inputs, 0, "input");
        if (!DataTypes.IsFloat(x.Type)) throw ctx.Fail($"input must be a float tensor, got {x.Type}");
        int r = x.Rank;
        if (r < 2 || x.Shape[^1] is not (1 or 2)) throw ctx.Fail($"input must be [..., 1] or [..., 2], got {Tensor.ShapeString(x.Shape)}");
        long axis = inputs.Length > 2 && inputs[2] is { } at ? ScalarInt(ctx, at, "axis") : -2;
        long a = axis < 0 ? axis + r : axis;
        if (a < 0 || a > r - 2) throw ctx.Fail($"axis {axis} is out of range for an input of rank {r}");
        bool inverse = ctx.Attributes.GetInt("inverse") != 0;
        bool onesided = ctx.Attributes.GetInt("onesided") != 0;
        int nIn = x.Shape[(int)a];
        long len;
        if (inputs.Length > 1 && inputs[1] is { } lt) len = ScalarInt(ctx, lt, "dft_length");
        else len = inverse && onesided ? 2L * (nIn - 1) : nIn;
        if (len <= 0 || len > MaxLength) throw ctx.Fail($"dft_length {len} is out of range");
        int n = (int)len;

        var re = ToComplexParts(x, out var im);
        int outer = 1, inner = 1;
        for (int i = 0; i < a; i++) outer *= x.Shape[i];
        for (int i = (int)a + 1; i < r - 1; i++) inner *= x.Shape[i];
        int outLen = !inverse && onesided ? n / 2 + 1 : n;
        bool realOut = inverse && onesided;
        var shape = (int[])x.Shape.Clone();
        shape[a] = outLen;
        shape[^1] = realOut ? 1 : 2;
        int comps = shape[^1];
        var y = new double[(long)outer * outLen * inner * comps];
        var tw = new Twiddles(n, inverse);
        var sr = new double[n];
        var si = new double[n];
        var outR = new double[n];
        var outI = new double[n];
        for (int o = 0; o < outer; o++)
        {
            for (int k = 0; k < inner; k++)
            {
                Array.Clear(sr);
                Array.Clear(si);
                if (realOut)
                {
                    // Half spectrum → full spectrum by Hermitian symmetry X[n−j] = conj(X[j]).
                    for (int j = 0; j <= n / 2 && j < nIn; j++)
                    {
                        int src = (o * nIn + j) * inner + k;
                        sr[j] = re[src];
                        si[j] = im[src];
                        if (j > 0 && n - j > n / 2) { sr[n - j] = re[src]; si[n - j] = -im[src]; }
                    }
                }
                else
                {
                    for (int j = 0; j < Math.Min(n, nIn); j++)
                    {
                        int src = (o * nIn + j) * inner + k;
                        sr[j] = re[src];
                        si[j] = im[src];
                    }
                }
                tw.Transform(sr, si, outR, outI);
                for (int f = 0; f < outLen; f++)
                {
                    double vr = outR[f], vi = outI[f];
                    if (inverse) { vr /= n; vi /= n; }
                    long dst = ((long)(o * outLen + f) * inner + k) * comps;
                    y[dst] = vr;
                    if (!realOut) y[dst + 1] = vi;
                }
            }
        }
        return [DoubleBridge.FromDoubles(x.Type, shape, y)];
    }

    public static Tensor?[] Stft(KernelContext ctx, Tensor?[] inputs)
    {
        var x = Required(ctx, inputs, 0, "signal");
        if (!DataTypes.IsFloat(x.Type)) throw ctx.Fail($"signal must be a float tensor, got {x.Type}");
        if (x.Rank != 3 || x.Shape[2] is not (1 or 2)) throw ctx.Fail($"signal must be [batch, length, 1 or 2], got {Tensor.ShapeString(x.Shape)}");
        long step = ScalarInt(ctx, Required(ctx, inputs, 1, "frame_step"), "frame_step");
        var window = inputs.Length > 2 ? inputs[2] : null;
        long frameLength;
        if (inputs.Length > 3 && inputs[3] is { } fl)
        {
            frameLength = ScalarInt(ctx, fl, "frame_length");
            if (window is not null && window.Length != frameLength)
                throw ctx.Fail($"window has {window.Length} values but frame_length is {frameLength}");
        }
        else if (window is not null) frameLength = window.Length;
        else throw ctx.Fail("either window or frame_length must be given");
        if (window is not null && window.Rank != 1) throw ctx.Fail("window must be 1-D");
        int batch = x.Shape[0], sigLen = x.Shape[1];
        if (step <= 0) throw ctx.Fail($"frame_step must be positive, got {step}");
        if (frameLength <= 0 || frameLength > sigLen) throw ctx.Fail($"frame_length {frameLength} must be in [1, {sigLen}]");
        int n = (int)frameLength;
        int frames = (int)((sigLen - n) / step + 1);
        bool onesided = ctx.Attributes.GetInt("onesided") != 0;
        int bins = onesided ? n / 2 + 1 : n;
        var w = window?.ToDoubleArray();
        var re = ToComplexParts(x, out var im);
        var y = new double[(long)batch * frames * bins * 2];
        var tw = new Twiddles(n, inverse: false);
        var sr = new double[n];
        var si = new double[n];
        var outR = new double[n];
        var outI = new double[n];
        for (int b = 0; b < batch; b++)
        {
            for (int f = 0; f < frames; f++)
            {
                for (int j = 0; j < n; j++)
                {
                    int src = b * sigLen + (int)(f * step) + j;
                    double wj = w?[j] ?? 1;
                    sr[j] = re[src] * wj;
                    si[j] = im[src] * wj;
                }
                tw.Transform(sr, si, outR, outI);
                for (int k = 0; k < bins; k++)
                {
                    long dst = (((long)b * frames + f) * bins + k) * 2;
                    y[dst] = outR[k];
                    y[dst + 1] = outI[k];
                }
            }
        }
        return [DoubleBridge.FromDoubles(x.Type, [batch, frames, bins, 2], y)];
    }

    /// <summary>Splits a [..., 1|2] tensor into real and imaginary arrays over the leading dims.</summary>
    private static double[] ToComplexParts(Tensor x, out double[] im)
    {
        var d = x.ToDoubleArray();
        int c = x.Shape[^1];
        int n = c == 0 ? 0 : d.Length / c;
        var re = new double[n];
        im = new double[n];
        for (int i = 0; i < n; i++)
        {
            re[i] = d[i * c];
            if (c == 2) im[i] = d[i * c + 1];
        }
        return re;
    }

    /// <summary>e^(∓2πi·k/n) for k in [0, n): forward uses −, inverse +.</summary>
    private sealed class Twiddles
    {
        private readonly double[] _cos;
        private readonly double[] _sin;

        public Twiddles(int n, bool inverse)
        {
            _cos = new double[n];
            _sin = new double[n];
            double sign = inverse ? 1 : -1;
            for (int k = 0; k < n; k++)
            {
                double ang = 2 * Math.PI * k / n;
                _cos[k] = Math.Cos(ang);
                _sin[k] = sign * Math.Sin(ang);
            }
        }

        /// <summary>All n outputs Σ_j s[j]·w^(f·j): radix-2 FFT for powers of two, direct sums otherwise.</summary>
        public void Transform(double[] sr, double[] si, double[] outR, double[] outI)
        {
            int n = _cos.Length;
            if (n < 8 || (n & (n - 1)) != 0)
            {
                for (int f = 0; f < n; f++) Sum(sr, si, f, out outR[f], out outI[f]);
                return;
            }
            // Iterative Cooley–Tukey: bit-reversed copy, then butterflies of growing span.
            int bits = System.Numerics.BitOperations.Log2((uint)n);
            for (int i = 0; i < n; i++)
            {
                int r = (int)(ReverseBits((uint)i) >> (32 - bits));
                outR[r] = sr[i];
                outI[r] = si[i];
            }
            for (int len = 2; len <= n; len <<= 1)
            {
                int half = len >> 1, step = n / len;
                for (int start = 0; start < n; start += len)
                {
                    for (int k = 0; k < half; k++)
                    {
                        double c = _cos[k * step], s = _sin[k * step];
                        int a = start + k, b = a + half;
                        double br = outR[b] * c - outI[b] * s;
                        double bi = outR[b] * s + outI[b] * c;
                        outR[b] = outR[a] - br;
                        outI[b] = outI[a] - bi;
                        outR[a] += br;
                        outI[a] += bi;
                    }
                }
            }
        }

        private static uint ReverseBits(uint v)
        {
            v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
            v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
            v = ((v >> 4) & 0x0F0F0F0Fu) | ((v & 0x0F0F0F0Fu) << 4);
            v = ((v >> 8) & 0x00FF00FFu) | ((v & 0x00FF00FFu) << 8);
            return (v >> 16) | (v << 16);
        }

        /// <summary>Σ_j s[j]·w^(f·j) for one output frequency f.</summary>
        private void Sum(double[] sr, double[] si, int f, out double vr, out double vi)
        {
            int n = _cos.Length;
            vr = 0;
            vi = 0;
            long idx = 0;
            for (int j = 0; j < n; j++)
            {
                double c = _cos[idx], s = _sin[idx];
                vr += sr[j] * c - si[j] * s;
                vi += sr[j] * s + si[j] * c;
                idx += f;
                if (idx >= n) idx %= n;
            }
        }
    }

    private static Tensor Required(KernelContext ctx, Tensor?[] inputs, int i, string name) =>
        (i < inputs.Length ? inputs[i] : null) ?? throw ctx.Fail($"input '{name}' is required");

    internal static long ScalarInt(KernelContext ctx, Tensor t, string name)
    {
        if (t.Length != 1) throw ctx.Fail($"{name} must be a scalar, got shape {Tensor.ShapeString(t.Shape)}");
        if (!DataTypes.IsInteger(t.Type)) throw ctx.Fail($"{name} must be an integer, got {t.Type}");
        return t.ToInt64Array()[0];
    }
}
