namespace Engine.Runtime.Compute;

/// <summary>
/// Resize of the last two dims of a tensor viewed as [planes, H, W] → [planes, OH, OW], driven by per-axis
/// tap tables the caller computes once (at compile time, from the op's coordinate transformation and rounding
/// modes), so every mode shares one kernel. Parallel over planes.
/// </summary>
public static unsafe class Resize2D
{
    /// <summary>Nearest: y[p, i, j] = x[p, rows[i], cols[j]], any element size (1, 2, 4, 8 bytes).</summary>
    public static void Nearest(void* x, void* y, int planes, int h, int w, int oh, int ow, int* rows, int* cols, int elemSize, int threads)
    {
        if (elemSize is not (1 or 2 or 4 or 8)) throw new EngineException($"resize: element size {elemSize} is not 1, 2, 4 or 8");
        Check(rows, oh, h);
        Check(cols, ow, w);
        var body = new NearestBody { X = (byte*)x, Y = (byte*)y, H = h, W = w, OH = oh, OW = ow, Rows = rows, Cols = cols, Es = elemSize };
        ParallelFor.Run(planes, (long)planes * oh * ow < 1 << 15 ? 1 : threads, ref body);
    }

    /// <summary>
    /// Bilinear (float32): y[p, i, j] = Σ_a Σ_b wy[2i+a]·wx[2j+b]·x[p, ry[2i+a], cx[2j+b]] with two taps per axis.
    /// </summary>
    public static void Linear(float* x, float* y, int planes, int h, int w, int oh, int ow, int* ry, float* wy, int* cx, float* wx, int threads)
    {
        Check(ry, 2 * oh, h);
        Check(cx, 2 * ow, w);
        var body = new LinearBody { X = x, Y = y, H = h, W = w, OH = oh, OW = ow, Ry = ry, Wy = wy, Cx = cx, Wx = wx };
        ParallelFor.Run(planes, (long)planes * oh * ow < 1 << 14 ? 1 : threads, ref body);
    }

    private static void Check(int* idx, int n, int len)
    {
        for (int i = 0; i < n; i++)
            if ((uint)idx[i] >= (uint)len) throw new EngineException($"resize: tap index {idx[i]} outside an axis of {len}");
    }

    private struct NearestBody : IParallelBody
    {
        public byte* X, Y;
        public int H, W, OH, OW, Es;
        public int* Rows, Cols;

        public readonly void Execute(int index, int worker)
        {
            byte* src = X + (long)index * H * W * Es;
            byte* dst = Y + (long)index * OH * OW * Es;
            for (int i = 0; i < OH; i++)
            {
                byte* srow = src + (long)Rows[i] * W * Es;
                byte* drow = dst + (long)i * OW * Es;
                // Rows repeated by upsampling: copy the previous output row.
                if (i > 0 && Rows[i] == Rows[i - 1])
                {
                    Buffer.MemoryCopy(drow - (long)OW * Es, drow, (long)OW * Es, (long)OW * Es);
                    continue;
                }
                switch (Es)
                {
                    case 4: Row((int*)srow, (int*)drow); break;
                    case 8: Row((long*)srow, (long*)drow); break;
                    case 2: Row((short*)srow, (short*)drow); break;
                    default: Row(srow, drow); break;
                }
            }
        }

        private readonly void Row<T>(T* s, T* d) where T : unmanaged
        {
            for (int j = 0; j < OW; j++) d[j] = s[Cols[j]];
        }
    }

    private struct LinearBody : IParallelBody
    {
        public float* X, Y, Wy, Wx;
        public int H, W, OH, OW;
        public int* Ry, Cx;

        public readonly void Execute(int index, int worker)
        {
            float* src = X + (long)index * H * W;
            float* dst = Y + (long)index * OH * OW;
            // Two horizontally interpolated source rows, cached by source row index (upsampling reuses them).
            float* buf = ThreadScratch.Get(2 * OW);
            float* r0 = buf, r1 = buf + OW;
            int tag0 = -1, tag1 = -1;
            for (int i = 0; i < OH; i++)
            {
                int a = Ry[2 * i], b = Ry[2 * i + 1];
                float wa = Wy[2 * i], wb = Wy[2 * i + 1];
                if (tag0 != a && tag1 == a)
                {
                    float* tr = r0;
                    r0 = r1;
                    r1 = tr;
                    tag1 = tag0;
                    tag0 = a;
                }
                if (tag0 != a)
                {
                    Horizontal(src + (long)a * W, r0);
                    tag0 = a;
                }
                if (tag1 != b)
                {
                    Horizontal(src + (long)b * W, r1);
                    tag1 = b;
                }
                float* d = dst + (long)i * OW;
                for (int j = 0; j < OW; j++) d[j] = wa * r0[j] + wb * r1[j];
            }
        }

        private readonly void Horizontal(float* s, float* d)
        {
            for (int j = 0; j < OW; j++) d[j] = Wx[2 * j] * s[Cx[2 * j]] + Wx[2 * j + 1] * s[Cx[2 * j + 1]];
        }
    }
}
