using Engine.Runtime;

namespace Engine.Builder.Data;

/// <summary>Image augmentation on [b, C, H, W] batches, seeded: random crop after zero padding, horizontal flip.</summary>
public static class Augmentation
{
    /// <summary>Pads by <paramref name="pad"/> pixels and crops back to H×W at a random offset per image.</summary>
    public static Tensor RandomCrop(Tensor batch, int pad, Random rng)
    {
        var (b, c, h, w) = Dims(batch);
        var src = batch.As<float>();
        var dst = new float[src.Length];
        for (int n = 0; n < b; n++)
        {
            int dy = rng.Next(2 * pad + 1) - pad, dx = rng.Next(2 * pad + 1) - pad;
            for (int ch = 0; ch < c; ch++)
            {
                long plane = ((long)n * c + ch) * h * w;
                for (int y = 0; y < h; y++)
                {
                    int sy = y + dy;
                    if (sy < 0 || sy >= h) continue;
                    for (int x = 0; x < w; x++)
                    {
                        int sx = x + dx;
                        if (sx >= 0 && sx < w) dst[plane + (long)y * w + x] = src[plane + (long)sy * w + sx];
                    }
                }
            }
        }
        return new Tensor(DataType.Float, batch.Shape, dst);
    }

    /// <summary>Mirrors each image left–right with probability <paramref name="p"/>.</summary>
    public static Tensor RandomHorizontalFlip(Tensor batch, Random rng, double p = 0.5)
    {
        var (b, c, h, w) = Dims(batch);
        var src = batch.As<float>();
        var dst = (float[])src.Clone();
        for (int n = 0; n < b; n++)
        {
            if (rng.NextDouble() >= p) continue;
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                {
                    long row = (((long)n * c + ch) * h + y) * w;
                    for (int x = 0; x < w; x++) dst[row + x] = src[row + w - 1 - x];
                }
        }
        return new Tensor(DataType.Float, batch.Shape, dst);
    }

    private static (int B, int C, int H, int W) Dims(Tensor t) =>
        t.Rank == 4 && t.Type == DataType.Float ? (t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3])
            : throw new EngineException($"augmentation expects a float [b, C, H, W] batch, got {t}");
}
