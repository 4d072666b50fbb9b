using Engine.Runtime;

namespace Engine.Training;

/// <summary>Weight initializers drawing from the loop's seeded <see cref="Rng"/>.</summary>
public static class Init
{
    public static Tensor Uniform(int[] shape, double bound, Rng rng)
    {
        var data = new float[Tensor.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
        return new Tensor(DataType.Float, shape, data);
    }

    public static Tensor Get(IReadOnlyDictionary<string, Tensor> weights, string name) =>
        weights.TryGetValue(name, out var t) ? t : throw new EngineException($"model: weight '{name}' is missing");
}
