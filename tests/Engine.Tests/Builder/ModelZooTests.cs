using Engine.Builder;
using Engine.Builder.Zoo;
using Engine.Runtime;
using Xunit;

namespace Engine.Tests.Builder;

/// <summary>Every zoo model builds, runs forward on the reference executor, exports to ONNX, and ONNX Runtime agrees.</summary>
public class ModelZooTests
{
    public static TheoryData<string> Names => new(ModelZoo.Names);

    internal static ZooOptions SmallOptions(string name) => name switch
    {
        "mlp" => new ZooOptions { InputShape = [64], Width = 0.25f },
        "unet" or "autoencoder" => new ZooOptions { InputShape = [1, 16, 16], Width = 0.25f, Classes = 3 },
        _ => new ZooOptions { InputShape = [1, 28, 28], Width = 0.125f, Vocabulary = 50, SequenceLength = 9, TargetLength = 5, Latent = 8, Classes = 4 },
    };

    internal static Dictionary<string, Tensor> SampleInputs(Model model, int batch, int seed)
    {
        var inputs = new Dictionary<string, Tensor>();
        var rng = new Random(seed);
        for (int i = 0; i < model.Inputs.Count; i++)
        {
            var t = model.Inputs[i];
            string name = t.Name ?? (model.Inputs.Count == 1 ? "input" : $"input_{i}");
            int[] shape = [batch, .. t.Shape.Skip(1).Select(d => (int)d)];
            if (t.ElementType == DataType.Int64)
            {
                var ids = new long[Tensor.ElementCount(shape)];
                for (int k = 0; k < ids.Length; k++) ids[k] = rng.Next(50);
                inputs[name] = Tensor.FromArray(ids, shape);
            }
            else if (name == "mask")
            {
                var m = new float[Tensor.ElementCount(shape)];
                for (int k = 0; k < m.Length; k++) m[k] = k % shape[1] < shape[1] - 2 || k < shape[1] ? 1 : 0;
                inputs[name] = Tensor.FromArray(m, shape);
            }
            else
            {
                inputs[name] = BuilderKit.Random(seed + i, shape);
            }
        }
        return inputs;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Builds_runs_exports_and_ort_agrees(string name)
    {
        var model = ModelZoo.Create(name, SmallOptions(name));
        Assert.True(model.ParameterCount > 0);
        Assert.Contains("Total params", model.Summary());
        model.Initialize(seed: 11);
        BuilderKit.AssertOrtAgrees(model, SampleInputs(model, 2, 5), batch: 2, rtol: 1e-3f, atol: 1e-4f);
    }

    [Fact]
    public void Unknown_model_lists_the_known_ones()
    {
        var e = Assert.Throws<BuildException>(() => ModelZoo.Create("resnet999"));
        Assert.Contains("lenet5", e.Message);
    }

    [Fact]
    public void LeNet5_output_shapes_follow_d2l()
    {
        var m = ModelZoo.Create("lenet5");
        string s = m.Summary();
        Assert.Contains("(N, 6, 28, 28)", s);
        Assert.Contains("(N, 16, 5, 5)", s);
        Assert.Equal(61_706, m.ParameterCount);
    }
}
