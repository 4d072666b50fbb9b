using Engine.Runtime;

namespace Engine.Builder;

/// <summary>The standard initializers (Keras/PyTorch names), all deterministic given the generator.</summary>
public static class Init
{
    public static IInitializer Zeros { get; } = new ConstantInit(0);

    public static IInitializer Ones { get; } = new ConstantInit(1);

    public static IInitializer Constant(float value) => new ConstantInit(value);

    /// <summary>N(mean, σ²); the course's "× 0.01" initialization is <c>Normal(0.01)</c>.</summary>
    public static IInitializer Normal(float stddev = 0.05f, float mean = 0) => new DistributionInit((_, _) => (Dist.Normal, mean, stddev));

    public static IInitializer Uniform(float low = -0.05f, float high = 0.05f) => new DistributionInit((_, _) => (Dist.Uniform, low, high));

    /// <summary>Glorot/Xavier: σ² = 2/(fan_in + fan_out).</summary>
    public static IInitializer GlorotNormal { get; } = new DistributionInit((i, o) => (Dist.TruncatedNormal, 0, MathF.Sqrt(2f / (i + o))));

    public static IInitializer GlorotUniform { get; } = new DistributionInit((i, o) => Symmetric(MathF.Sqrt(6f / (i + o))));

    /// <summary>He/Kaiming (ReLU gain): σ² = 2/fan_in.</summary>
    public static IInitializer HeNormal { get; } = new DistributionInit((i, _) => (Dist.TruncatedNormal, 0, MathF.Sqrt(2f / i)));

    public static IInitializer HeUniform { get; } = new DistributionInit((i, _) => Symmetric(MathF.Sqrt(6f / i)));

    /// <summary>LeCun: σ² = 1/fan_in (SELU networks).</summary>
    public static IInitializer LeCunNormal { get; } = new DistributionInit((i, _) => (Dist.TruncatedNormal, 0, MathF.Sqrt(1f / i)));

    public static IInitializer LeCunUniform { get; } = new DistributionInit((i, _) => Symmetric(MathF.Sqrt(3f / i)));

    /// <summary>PyTorch's default for Linear/Conv weights and biases: U(−1/√fan_in, 1/√fan_in).</summary>
    public static IInitializer TorchDefault { get; } = new DistributionInit((i, _) => Symmetric(1f / MathF.Sqrt(i)));

    /// <summary>A (semi-)orthogonal matrix (Saxe et al.), scaled by <paramref name="gain"/>; rows = dim 0.</summary>
    public static IInitializer Orthogonal(float gain = 1) => new OrthogonalInit(gain);

    private static (Dist, float, float) Symmetric(float limit) => (Dist.Uniform, -limit, limit);

    internal enum Dist { Normal, TruncatedNormal, Uniform }

    private sealed class ConstantInit(float value) : IInitializer
    {
        public Tensor Create(int[] shape, int fanIn, int fanOut, Random rng)
        {
            var data = new float[Tensor.ElementCount(shape)];
            Array.Fill(data, value);
            return new Tensor(DataType.Float, shape, data);
        }
    }

    private sealed class DistributionInit(Func<int, int, (Dist Kind, float A, float B)> parameters) : IInitializer
    {
        public Tensor Create(int[] shape, int fanIn, int fanOut, Random rng)
        {
            var (kind, a, b) = parameters(Math.Max(1, fanIn), Math.Max(1, fanOut));
            var data = new float[Tensor.ElementCount(shape)];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = kind switch
                {
                    Dist.Uniform => a + (b - a) * (float)rng.NextDouble(),
                    Dist.Normal => a + b * Gaussian(rng),
                    _ => a + b * TruncatedGaussian(rng),
                };
            }
            return new Tensor(DataType.Float, shape, data);
        }
    }

    /// <summary>Box–Muller.</summary>
    internal static float Gaussian(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }

    /// <summary>Redraws beyond two standard deviations, rescaled so the variance stays σ² (as Keras does).</summary>
    private static float TruncatedGaussian(Random rng)
    {
        float z;
        do z = Gaussian(rng); while (MathF.Abs(z) > 2f);
        return z / 0.87962566f;
    }

    private sealed class OrthogonalInit(float gain) : IInitializer
    {
        public Tensor Create(int[] shape, int fanIn, int fanOut, Random rng)
        {
            if (shape.Length < 2) throw new BuildException($"orthogonal initialization needs rank ≥ 2, got [{string.Join(",", shape)}]");
            int rows = shape[0], cols = (int)(Tensor.ElementCount(shape) / rows);
            // Gram–Schmidt on the taller orientation, then transpose back: orthonormal rows or columns.
            bool transpose = rows < cols;
            int r = transpose ? cols : rows, c = transpose ? rows : cols;
            var q = new double[r, c];
            for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) q[i, j] = Gaussian(rng);
            for (int j = 0; j < c; j++)
            {
                for (int k = 0; k < j; k++)
                {
                    double dot = 0;
                    for (int i = 0; i < r; i++) dot += q[i, j] * q[i, k];
                    for (int i = 0; i < r; i++) q[i, j] -= dot * q[i, k];
                }
                double norm = 0;
                for (int i = 0; i < r; i++) norm += q[i, j] * q[i, j];
                norm = Math.Sqrt(norm);
                for (int i = 0; i < r; i++) q[i, j] /= norm;
            }
            var data = new float[rows * cols];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    data[i * cols + j] = gain * (float)(transpose ? q[j, i] : q[i, j]);
            return new Tensor(DataType.Float, shape, data);
        }
    }
}
