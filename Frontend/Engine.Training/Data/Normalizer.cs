using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// Standardizes features to zero mean and unit variance with statistics fitted on the training split
/// only (fitting on test data leaks it). Per feature for flat data, per channel (dim 0 of the sample)
/// for images.
/// </summary>
public sealed class Normalizer
{
    private Normalizer(float[] mean, float[] std, int groupSize)
    {
        Mean = mean;
        Std = std;
        _groupSize = groupSize;
    }

    private readonly int _groupSize;

    public float[] Mean { get; }

    public float[] Std { get; }

    public static Normalizer Fit(Dataset train, bool perChannel)
    {
        int per = train.SampleSize;
        int groups = perChannel ? train.SampleShape[0] : per;
        int groupSize = per / groups;
        var sum = new double[groups];
        var sq = new double[groups];
        for (int i = 0; i < train.Count; i++)
            for (int j = 0; j < per; j++)
            {
                double v = train.Features[(long)i * per + j];
                sum[j / groupSize] += v;
                sq[j / groupSize] += v * v;
            }
        double n = (double)train.Count * groupSize;
        var mean = new float[groups];
        var std = new float[groups];
        for (int g = 0; g < groups; g++)
        {
            double m = sum[g] / n;
            mean[g] = (float)m;
            // Constant features (e.g. always-zero border pixels) keep scale 1 rather than dividing by zero.
            double var = Math.Max(0, sq[g] / n - m * m);
            std[g] = var > 1e-12 ? (float)Math.Sqrt(var) : 1f;
        }
        return new Normalizer(mean, std, groupSize);
    }

    /// <summary>A normalized copy.</summary>
    public Dataset Apply(Dataset data)
    {
        int per = data.SampleSize;
        if (per != Mean.Length * _groupSize) throw new EngineException($"normalizer fitted on {Mean.Length * _groupSize} features, data '{data.Name}' has {per}");
        var x = new float[data.Features.Length];
        for (long i = 0; i < x.LongLength; i++)
        {
            int g = (int)(i % per) / _groupSize;
            x[i] = (data.Features[i] - Mean[g]) / Std[g];
        }
        return new Dataset(data.Name, x, data.SampleShape, data.Labels, data.Classes);
    }
}
