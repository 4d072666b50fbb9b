using Engine.Graph;
using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// A multilayer perceptron: Flatten, then Gemm + ReLU per hidden layer, then a Gemm to the classes.
/// Weights are [in, out] (Gemm without transB) and initialized like PyTorch's nn.Linear:
/// U(−1/√fan_in, 1/√fan_in) for weights and biases.
/// </summary>
public sealed class Mlp(params int[] hidden) : IModelDefinition
{
    public string Name => "mlp";

    public IReadOnlyList<int> Hidden => hidden;

    public Dictionary<string, Tensor> InitWeights(int[] sampleShape, int classes, Rng rng)
    {
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        int fanIn = (int)Tensor.ElementCount(sampleShape);
        var sizes = hidden.Append(classes).ToArray();
        for (int l = 0; l < sizes.Length; l++)
        {
            double bound = 1 / Math.Sqrt(fanIn);
            weights[$"fc{l + 1}.weight"] = Init.Uniform([fanIn, sizes[l]], bound, rng);
            weights[$"fc{l + 1}.bias"] = Init.Uniform([sizes[l]], bound, rng);
            fanIn = sizes[l];
        }
        return weights;
    }

    public ModelGraph Forward(Dim batch, int[] sampleShape, int classes, IReadOnlyDictionary<string, Tensor> weights, bool training)
    {
        var g = new Graph.Graph("mlp");
        var x = g.AddInput("x", new TensorType(DataType.Float, [batch, .. sampleShape.Select(d => Dim.Of(d))]));
        var b = new GraphBuilder(g, "mlp");
        var h = sampleShape.Length == 1 ? x : b.Op("Flatten", [x], ("axis", 1L));
        int layers = hidden.Length + 1;
        for (int l = 1; l <= layers; l++)
        {
            b.NamePrefix = $"fc{l}";
            var w = g.AddInitializer($"fc{l}.weight", Init.Get(weights, $"fc{l}.weight"));
            var bias = g.AddInitializer($"fc{l}.bias", Init.Get(weights, $"fc{l}.bias"));
            h = b.Op("Gemm", h, w, bias);
            if (l < layers) h = b.Op("Relu", h);
        }
        h.Name = "logits";
        g.Outputs.Add(h);
        return new ModelGraph(g, x, h);
    }
}
