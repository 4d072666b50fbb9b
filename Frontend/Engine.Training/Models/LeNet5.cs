using Engine.Graph;
using Engine.Runtime;

namespace Engine.Training;

/// <summary>
/// LeNet-5 (LeCun et al. 1998) in its common modern form for 1×28×28 inputs: Conv 5×5 (6, pad 2) +
/// ReLU + MaxPool 2, Conv 5×5 (16) + ReLU + MaxPool 2, then 400 → 120 → 84 → classes with ReLU.
/// Initialized like PyTorch's Conv2d/Linear: U(−1/√fan_in, 1/√fan_in).
/// </summary>
public sealed class LeNet5 : IModelDefinition
{
    public string Name => "lenet5";

    public Dictionary<string, Tensor> InitWeights(int[] sampleShape, int classes, Rng rng)
    {
        Check(sampleShape);
        var w = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        void Layer(string name, int[] shape, int fanIn, int outputs)
        {
            double bound = 1 / Math.Sqrt(fanIn);
            w[name + ".weight"] = Init.Uniform(shape, bound, rng);
            w[name + ".bias"] = Init.Uniform([outputs], bound, rng);
        }
        Layer("conv1", [6, sampleShape[0], 5, 5], sampleShape[0] * 25, 6);
        Layer("conv2", [16, 6, 5, 5], 6 * 25, 16);
        Layer("fc1", [400, 120], 400, 120);
        Layer("fc2", [120, 84], 120, 84);
        Layer("fc3", [84, classes], 84, classes);
        return w;
    }

    public ModelGraph Forward(Dim batch, int[] sampleShape, int classes, IReadOnlyDictionary<string, Tensor> weights, bool training)
    {
        Check(sampleShape);
        var g = new Graph.Graph("lenet5");
        var x = g.AddInput("x", new TensorType(DataType.Float, [batch, .. sampleShape.Select(d => Dim.Of(d))]));
        var b = new GraphBuilder(g, "lenet5");
        Value W(string n) => g.AddInitializer(n, Init.Get(weights, n));
        var h = b.Op("Conv", [x, W("conv1.weight"), W("conv1.bias")], ("kernel_shape", new long[] { 5, 5 }), ("pads", new long[] { 2, 2, 2, 2 }));
        h = b.Op("Relu", h);
        h = b.Op("MaxPool", [h], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        h = b.Op("Conv", [h, W("conv2.weight"), W("conv2.bias")], ("kernel_shape", new long[] { 5, 5 }));
        h = b.Op("Relu", h);
        h = b.Op("MaxPool", [h], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        h = b.Op("Flatten", [h], ("axis", 1L));
        h = b.Op("Relu", b.Op("Gemm", h, W("fc1.weight"), W("fc1.bias")));
        h = b.Op("Relu", b.Op("Gemm", h, W("fc2.weight"), W("fc2.bias")));
        h = b.Op("Gemm", h, W("fc3.weight"), W("fc3.bias"));
        h.Name = "logits";
        g.Outputs.Add(h);
        return new ModelGraph(g, x, h);
    }

    private static void Check(int[] sampleShape)
    {
        if (sampleShape is not [_, 28, 28]) throw new EngineException($"model 'lenet5' takes C×28×28 samples, got {Tensor.ShapeString(sampleShape)}");
    }
}
